"""Hydrascope's Spark job: the heavy part of building a case, run on Apache Spark.

`hydrascope spark` runs this file with Python and the `pyspark` client; it
reaches Spark through Spark Connect (`--remote sc://HOST:15002`). Spark reads
the activity logs where Spark sees them (any path or URI its readers take:
local, hdfs://, s3a://, abfss://, gs://), checks the exchanges against the
contract, folds them into the per-account rollups that Hydrascope's case
holds, and the results (laptop-sized: no row per exchange) come back over
Spark Connect as Arrow and are written to `--out` as Parquet files that
`hydrascope spark` turns into a case. Nothing here writes to the cluster.

Output folder (`--out`):
  logs/accounts.parquet, logs/events.parquet, logs/indicators.parquet
                            the kept rows of those sections, as read
  rollups/<name>.parquet    the folded exchanges
  job.json                  counts, rejects, how the population was chosen

Progress goes to stderr as lines `hydrascope-spark: STEP N/M: what`.
"""

import argparse
import json
import os
import sys
import time

FIELDS = [
    "request_id", "account_id", "ts", "model", "input_tokens", "output_tokens",
    "ip", "asn", "api_key_id", "client_fingerprint", "prompt_template",
    "capability", "cot_elicitation", "prompt_excerpt",
]
CAPABILITIES = [
    "reasoning", "coding", "agentic_coding", "tool_use", "computer_use", "vision",
    "data_analysis", "rubric_grading", "sensitive_rewrite", "chat", "other",
]
MAX_TOKENS = 100_000_000
MAX_EXCERPT_CHARS = 500
ACCOUNT_MATCH_FIELDS = [
    "payment_fingerprint", "email_domain", "org_name", "access_path",
    "billing_country", "verification", "signup_ip",
]
EXCHANGE_MATCH_FIELDS = ["ip", "asn", "client_fingerprint", "prompt_template", "api_key_id"]
STEPS = 8


STARTED = time.time()
Window = None  # pyspark's, imported in main() once the client is known to be there


def say(step, what):
    print(f"hydrascope-spark: STEP {step}/{STEPS}: {what} ({time.time() - STARTED:.1f} s)",
          file=sys.stderr, flush=True)


def fail(message, code=2):
    print(f"hydrascope-spark: ERROR: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--remote", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--skip-invalid", action="store_true")
    p.add_argument("--only", action="append", default=[],
                   help="FIELD=VALUE[,VALUE...]: keep accounts matching (repeatable: all must match)")
    p.add_argument("--seeds", help="a local file of account ids, one per line")
    p.add_argument("--hops", type=int, default=1)
    p.add_argument("--min-prescore", type=float)
    p.add_argument("--crowd", type=int, default=200)
    p.add_argument("--shuffle-partitions", type=int,
                   help="spark.sql.shuffle.partitions for this session (Spark's own default when left out)")
    args = p.parse_args()

    global Window
    try:
        from pyspark.sql import SparkSession, functions as F, Window
        from pyspark.sql.utils import AnalysisException
    except ImportError as e:
        fail(f"the pyspark client is not installed for {sys.executable} ({e}); "
             "`pip install 'pyspark[connect]'`", 1)
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.time()
    say(1, f"connecting to {args.remote}")
    try:
        spark = SparkSession.builder.remote(args.remote).getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        spark.conf.set("spark.sql.ansi.enabled", "false")
        if args.shuffle_partitions:
            spark.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
    except Exception as e:  # noqa: BLE001 - any connection failure is reported as such
        fail(f"cannot reach Spark Connect at {args.remote}: {one_line(e)}", 1)

    logs = args.logs.rstrip("/")

    def read_section(name, required):
        """The section `name` as Spark reads it, and where it was found."""
        tries = [
            (f"{logs}/{name}.parquet", "parquet"),
            (f"{logs}/{name}", "parquet"),
            (f"{logs}/{name}.jsonl", "json"),
            (f"{logs}/{name}.jsonl.gz", "json"),
            (f"{logs}/{name}.csv", "csv"),
            (f"{logs}/{name}.csv.gz", "csv"),
        ]
        for path, fmt in tries:
            try:
                if fmt == "parquet":
                    df = spark.read.option("recursiveFileLookup", "false").parquet(path)
                elif fmt == "json":
                    if name == "exchanges":
                        schema = ", ".join(f"`{f}` STRING" for f in FIELDS)
                        df = spark.read.schema(schema).option("mode", "PERMISSIVE").json(path)
                    else:
                        df = spark.read.option("primitivesAsString", "false").json(path)
                else:
                    df = spark.read.option("header", "true").option("inferSchema", "false") \
                        .option("multiLine", "true").option("escape", '"').csv(path)
                df.columns  # analysed now: a missing path fails here
                return df, path
            except AnalysisException:
                continue
            except Exception as e:  # noqa: BLE001
                if "PATH_NOT_FOUND" in str(e) or "UNABLE_TO_INFER_SCHEMA" in str(e):
                    continue
                fail(f"{path}: {one_line(e)}", 1)
        if required:
            fail(f"{logs}: missing section {name} (looked for {name}.parquet, {name}/, "
                 f"{name}.jsonl[.gz], {name}.csv[.gz])")
        return None, None

    say(2, "reading the sections")
    accounts, accounts_path = read_section("accounts", True)
    exchanges, exchanges_path = read_section("exchanges", True)
    events, _ = read_section("events", False)
    indicators, _ = read_section("indicators", False)

    # File order: the position of a row is its file and its place in it.
    def ordered(df):
        return df.withColumn("_file", F.input_file_name()) \
                 .withColumn("_pos", F.monotonically_increasing_id())

    if "account_id" not in accounts.columns:
        fail(f"{accounts_path}: no column account_id")
    # Checkpointed (kept by Spark, lineage cut): read once, and later plans
    # that join it with the exchanges carry no input_file_name() of their own.
    accounts = ordered(accounts)
    # Accounts are checked as the import checks them: a bad one is left out
    # (or stops the job), so its exchanges name an unknown account.
    accounts = accounts.withColumn("_problem", account_problem_expr(accounts, F)).localCheckpoint()
    bad_accounts = accounts.where(F.col("_problem").isNotNull())
    bad_account_count = bad_accounts.count()
    if bad_account_count and not args.skip_invalid:
        first_bad = bad_accounts.orderBy("_file", "_pos").limit(1).collect()[0]
        fail(f"{first_bad['_file']}: {first_bad['_problem']} "
             f"({bad_account_count} invalid account rows in all; --skip-invalid leaves them out)")
    accounts = accounts.where(F.col("_problem").isNull()).drop("_problem")

    say(3, "checking the exchanges against the contract")
    x = normalise_exchanges(exchanges, exchanges_path, F)
    x = ordered(x)
    known = accounts.select(F.col("account_id").cast("string").alias("_known")).distinct()
    x = x.join(known, x["account_id"] == known["_known"], "left")
    first = Window.partitionBy("request_id").orderBy("_file", "_pos")
    x = x.withColumn("_nth", F.when(F.col("request_id").isNotNull(), F.row_number().over(first)))
    checked = x.withColumn("_problem", problem_expr(F))
    bad = checked.where(F.col("_problem").isNotNull())
    rejected = bad.count()
    rejects = []
    if rejected:
        sample = bad.orderBy("_file", "_pos").limit(20).select(
            "_file", "_problem",
            F.to_json(F.struct(*[F.col(f) for f in FIELDS if f in checked.columns])).alias("row")
        ).collect()
        rejects = [{"file": r["_file"], "reason": r["_problem"], "row": r["row"]} for r in sample]
        if not args.skip_invalid:
            first_bad = rejects[0]
            fail(f"{first_bad['file']}: {first_bad['reason']} in {first_bad['row']} "
                 f"({rejected} invalid exchange rows in all; --skip-invalid leaves them out)")
    good = typed(checked.where(F.col("_problem").isNull()), F)
    # What the rollups are folded from, kept by Spark once (lineage cut):
    # only the columns they read, so it stays small enough to spill little.
    x = good.select(
        "account_id", "ts_ms", "model", "input_tokens", "output_tokens", "ip", "asn",
        "api_key_id", "client_fingerprint", "prompt_template", "capability", "cot",
        F.floor(F.col("ts_ms") / F.lit(3_600_000)).cast("long").alias("hour"),
        F.greatest(F.lit(0), F.floor(F.col("ts_ms") / F.lit(60_000))).cast("long").alias("minute"),
        F.col("cot").isNotNull().alias("has_cot"),
        (F.col("cot") >= 0.5).cast("long").alias("cot_high"),
    ).localCheckpoint()
    # Prompt excerpts are read apart, only for each template's first one.
    excerpts = good.where(F.col("prompt_excerpt").isNotNull() & F.col("prompt_template").isNotNull()) \
        .select("account_id", "prompt_template", "prompt_excerpt", "_file", "_pos")

    say(4, "choosing the population")
    population, how = choose_population(spark, args, accounts, x, F)
    if population is not None:
        x = x.join(population, "account_id", "left_semi")
        excerpts = excerpts.join(population, "account_id", "left_semi")
        accounts = accounts.join(population, "account_id", "left_semi")

    say(5, "folding the exchanges into rollups")
    in_file_order = Window.partitionBy("prompt_template").orderBy("_file", "_pos")
    examples = excerpts.withColumn("_n", F.row_number().over(in_file_order)) \
        .where(F.col("_n") == 1).select("prompt_template", F.col("prompt_excerpt").alias("example"))
    n = lambda c: F.coalesce(F.sum(c), F.lit(0)).cast("long")  # noqa: E731
    cot_n = F.sum(F.col("has_cot").cast("long")).cast("long")
    cot_sum = F.coalesce(F.sum("cot"), F.lit(0.0)).cast("double")
    tables = {
        "account_sums": x.groupBy("account_id").agg(
            F.count(F.lit(1)).alias("exchanges"), n("input_tokens").alias("input_tokens"),
            n("output_tokens").alias("output_tokens"), F.min("ts_ms").alias("first_ms"),
            F.max("ts_ms").alias("last_ms"), cot_sum.alias("cot_sum"), cot_n.alias("cot_count"),
            n("cot_high").alias("cot_high")),
        "account_capabilities": x.where(F.col("capability").isNotNull())
            .groupBy("account_id", "capability").agg(
                F.count(F.lit(1)).alias("exchanges"), cot_sum.alias("cot_sum"),
                cot_n.alias("cot_count")),
        "account_model_hourly": x.groupBy("account_id", "hour", "model").agg(
            F.count(F.lit(1)).alias("exchanges"), n("input_tokens").alias("input_tokens"),
            n("output_tokens").alias("output_tokens")),
        "account_origins": x.where(F.col("ip").isNotNull() | F.col("asn").isNotNull())
            .groupBy("account_id", "ip", "asn").agg(F.count(F.lit(1)).alias("exchanges")),
        "account_templates": x.where(F.col("prompt_template").isNotNull())
            .groupBy("account_id", "prompt_template").agg(F.count(F.lit(1)).alias("exchanges")),
        "account_client_fps": x.where(F.col("client_fingerprint").isNotNull())
            .groupBy("account_id", "client_fingerprint").agg(F.count(F.lit(1)).alias("exchanges")),
        "account_api_keys": x.where(F.col("api_key_id").isNotNull())
            .select("account_id", "api_key_id").distinct(),
        "templates": x.where(F.col("prompt_template").isNotNull()).groupBy("prompt_template").agg(
            F.count(F.lit(1)).alias("exchanges"), F.min("ts_ms").alias("first_ms"),
            F.max("ts_ms").alias("last_ms")).join(examples, "prompt_template", "left"),
        "template_profiles": x.where(F.col("prompt_template").isNotNull())
            .groupBy("prompt_template", "capability").agg(
                F.count(F.lit(1)).alias("exchanges"), cot_n.alias("cot_scored"),
                n("cot_high").alias("cot_high"), n("input_tokens").alias("input_tokens"),
                n("output_tokens").alias("output_tokens")),
        "account_minutes": x.groupBy("account_id").agg(
            F.sort_array(F.collect_set("minute")).alias("minutes")),
    }
    out = args.out
    os.makedirs(os.path.join(out, "rollups"), exist_ok=True)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    say(6, "bringing the rollups back")
    counts = {}
    for name, df in tables.items():
        table = df.toArrow()
        counts[name] = table.num_rows
        print(f"hydrascope-spark: {name}: {table.num_rows} rows ({time.time() - STARTED:.1f} s)",
              file=sys.stderr, flush=True)
        pq.write_table(plain(table, pa), os.path.join(out, "rollups", f"{name}.parquet"))

    say(7, "bringing the accounts, events and indicators back")
    kept_accounts = accounts.orderBy("_file", "_pos").drop("_file", "_pos")
    pq.write_table(plain(kept_accounts.toArrow(), pa), os.path.join(out, "logs", "accounts.parquet"))
    if events is not None:
        events = ordered(events).localCheckpoint()
        if population is not None and "account_id" in events.columns:
            events = events.join(population.withColumnRenamed("account_id", "_kept"),
                                 F.col("account_id") == F.col("_kept"), "left") \
                .where(F.col("account_id").isNull() | F.col("_kept").isNotNull()).drop("_kept")
        events = events.orderBy("_file", "_pos").drop("_file", "_pos")
        pq.write_table(plain(events.toArrow(), pa), os.path.join(out, "logs", "events.parquet"))
    if indicators is not None:
        indicators = ordered(indicators).orderBy("_file", "_pos").drop("_file", "_pos")
        pq.write_table(plain(indicators.toArrow(), pa), os.path.join(out, "logs", "indicators.parquet"))

    say(8, "done")
    job = {
        "logs": args.logs,
        "remote": args.remote,
        "exchanges_section": exchanges_path,
        "rejected": rejected,
        "rejected_accounts": bad_account_count,
        "rejects": rejects,
        "population": how,
        "rows": counts,
        "spark_version": spark.version,
        "seconds": round(time.time() - started, 1),
    }
    with open(os.path.join(out, "job.json"), "w") as f:
        json.dump(job, f)


def one_line(e):
    text = str(e).strip().splitlines()
    return text[0][:400] if text else type(e).__name__


def normalise_exchanges(df, path, F):
    """The contract's fields as strings (missing ones null), `ts_ms` from a
    timestamp column or from RFC 3339 text, empty text taken as missing."""
    cols = []
    types = dict(df.dtypes)
    for f in FIELDS:
        if f not in types:
            if f in ("request_id", "account_id", "ts", "model", "input_tokens", "output_tokens"):
                fail(f"{path}: no column {f} (a required field of exchanges)")
            cols.append(F.lit(None).cast("string").alias(f))
        elif f == "ts" and types[f].startswith("timestamp"):
            cols.append(F.lit(None).cast("string").alias("ts"))
            cols.append(F.unix_millis(F.col(f).cast("timestamp")).alias("_ts_typed"))
        else:
            c = F.col(f"`{f}`").cast("string")
            cols.append(F.when(c == "", None).otherwise(c).alias(f))
    out = df.select(*cols)
    if "_ts_typed" not in out.columns:
        out = out.withColumn("_ts_typed", F.lit(None).cast("long"))
    return out


RFC3339 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
INT = r"^\s*-?[0-9]+\s*$"
IPV4 = r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$"
IPV6 = r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$"


ACCESS_PATHS = ["direct", "education", "startup_program", "research_program", "cloud_marketplace"]
VERIFICATIONS = ["none", "email", "card", "kyc"]


def account_problem_expr(accounts, F):
    """The first way an account row breaks the contract, or null; a
    repeated account_id after its first row in file order too."""
    c = F.col
    cols = dict(accounts.dtypes)

    def text(name):
        if name not in cols:
            return F.lit(None).cast("string")
        v = c(f"`{name}`").cast("string")
        return F.when(v == "", None).otherwise(v)

    created = text("created_at")
    typed_ts = cols.get("created_at", "").startswith("timestamp")
    created_ms = F.unix_millis(F.to_timestamp(F.regexp_replace(created, "^([0-9-]{10})[ t]", "$1T")))
    first = Window.partitionBy(text("account_id")).orderBy("_file", "_pos")
    checks = [
        (text("account_id").isNull(), F.lit("field `account_id`: required but missing or empty")),
        (created.isNull(), F.lit("field `created_at`: required but missing or empty")),
        (F.lit(not typed_ts) & (~created.rlike(RFC3339) | created_ms.isNull()),
         F.concat(F.lit("field `created_at`: \""), created, F.lit("\" is not an RFC 3339 timestamp"))),
        (text("signup_ip").isNotNull() & ~(F.trim(text("signup_ip")).rlike(IPV4)
                                         | F.trim(text("signup_ip")).rlike(IPV6)),
         F.concat(F.lit("field `signup_ip`: \""), text("signup_ip"), F.lit("\" is not an IPv4 or IPv6 address"))),
        (text("billing_country").isNotNull() & ~text("billing_country").rlike("^[A-Za-z]{2}$"),
         F.concat(F.lit("field `billing_country`: \""), text("billing_country"),
                  F.lit("\" is not one of: two-letter ISO 3166-1 codes"))),
        (text("access_path").isNotNull() & ~(text("access_path").isin(*ACCESS_PATHS)
                                           | text("access_path").rlike("^reseller:.+")),
         F.concat(F.lit("field `access_path`: \""), text("access_path"), F.lit("\" is not one of: "
                  + ", ".join(ACCESS_PATHS) + ", reseller:<name>"))),
        (text("verification").isNotNull() & ~text("verification").isin(*VERIFICATIONS),
         F.concat(F.lit("field `verification`: \""), text("verification"),
                  F.lit("\" is not one of: " + ", ".join(VERIFICATIONS)))),
        (text("account_id").isNotNull() & (F.row_number().over(first) > 1),
         F.concat(F.lit("field `account_id`: duplicate account_id \""), text("account_id"), F.lit("\""))),
    ]
    expr = None
    for cond, what in reversed(checks):
        expr = F.when(F.coalesce(cond, F.lit(False)), what).otherwise(expr) if expr is not None \
            else F.when(F.coalesce(cond, F.lit(False)), what)
    return expr


def ts_ms_expr(F):
    """Milliseconds since the epoch of a row's `ts`: a timestamp column's,
    or RFC 3339 text's (a space or `t` between date and time allowed)."""
    ts_text = F.regexp_replace(F.col("ts"), "^([0-9-]{10})[ t]", "$1T")
    return F.coalesce(F.col("_ts_typed"), F.unix_millis(F.to_timestamp(ts_text)))


def typed(x, F):
    """The checked rows with typed values: `ts_ms`, token counts and `asn`
    as integers, `cot` as a number, the address trimmed, the template in
    lower case (the same 64-bit value either way)."""
    c = F.col
    return x.withColumn("ts_ms", ts_ms_expr(F)) \
        .withColumn("input_tokens", F.trim(c("input_tokens")).cast("long")) \
        .withColumn("output_tokens", F.trim(c("output_tokens")).cast("long")) \
        .withColumn("asn", F.trim(c("asn")).cast("long")) \
        .withColumn("cot", F.trim(c("cot_elicitation")).cast("double")) \
        .withColumn("ip", F.trim(c("ip"))) \
        .withColumn("prompt_template", F.lower(c("prompt_template")))


def problem_expr(F):
    """The first way a row breaks the contract, worded as the import words
    it, or null."""
    c = F.col
    c_ts = ts_ms_expr(F)
    checks = [
        (c("request_id").isNull(), "field `request_id`: required but missing or empty"),
        (c("account_id").isNull(), "field `account_id`: required but missing or empty"),
        (c("ts").isNull() & c("_ts_typed").isNull(), "field `ts`: required but missing or empty"),
        (c("_ts_typed").isNull() & (~c("ts").rlike(RFC3339) | c_ts.isNull()),
         F.concat(F.lit("field `ts`: \""), c("ts"), F.lit("\" is not an RFC 3339 timestamp"))),
        (c("model").isNull(), "field `model`: required but missing or empty"),
    ]
    for f in ("input_tokens", "output_tokens"):
        checks += [
            (c(f).isNull(), f"field `{f}`: required but missing or empty"),
            (~c(f).rlike(INT), F.concat(F.lit(f"field `{f}`: expected an integer, found "), c(f))),
            (~F.trim(c(f)).cast("long").between(0, MAX_TOKENS),
             F.concat(F.lit(f"field `{f}`: "), c(f), F.lit(f" is outside 0..={MAX_TOKENS}"))),
        ]
    checks += [
        (c("ip").isNotNull() & ~(F.trim(c("ip")).rlike(IPV4) | F.trim(c("ip")).rlike(IPV6)),
         F.concat(F.lit("field `ip`: \""), c("ip"), F.lit("\" is not an IPv4 or IPv6 address"))),
        (c("asn").isNotNull() & ~c("asn").rlike(INT),
         F.concat(F.lit("field `asn`: expected an integer, found "), c("asn"))),
        (c("asn").isNotNull() & ~F.trim(c("asn")).cast("long").between(0, 4294967295),
         F.concat(F.lit("field `asn`: "), c("asn"), F.lit(" is outside 0..=4294967295"))),
        (c("prompt_template").isNotNull() & ~c("prompt_template").rlike("^[0-9A-Fa-f]{16}$"),
         F.concat(F.lit("field `prompt_template`: \""), c("prompt_template"),
                  F.lit("\" is not 16 hex digits"))),
        (c("capability").isNotNull() & ~c("capability").isin(*CAPABILITIES),
         F.concat(F.lit("field `capability`: \""), c("capability"),
                  F.lit("\" is not one of: " + ", ".join(CAPABILITIES)))),
        (c("cot_elicitation").isNotNull()
         & ~F.trim(c("cot_elicitation")).cast("double").between(0.0, 1.0),
         F.concat(F.lit("field `cot_elicitation`: "), c("cot_elicitation"), F.lit(" is outside 0..1"))),
        (c("prompt_excerpt").isNotNull() & (F.char_length(c("prompt_excerpt")) > MAX_EXCERPT_CHARS),
         F.concat(F.lit("field `prompt_excerpt`: "), F.char_length(c("prompt_excerpt")).cast("string"),
                  F.lit(f" characters, the contract allows at most {MAX_EXCERPT_CHARS}"))),
        (c("_known").isNull(),
         F.concat(F.lit("field `account_id`: unknown account \""), c("account_id"),
                  F.lit("\" (not in accounts)"))),
        (c("_nth") > 1, F.concat(F.lit("field `request_id`: duplicate request id \""),
                                 c("request_id"), F.lit("\""))),
    ]
    expr = None
    for cond, what in reversed(checks):
        what = F.lit(what) if isinstance(what, str) else what
        expr = F.when(F.coalesce(cond, F.lit(False)), what).otherwise(expr) if expr is not None \
            else F.when(F.coalesce(cond, F.lit(False)), what)
    return expr


def plain(table, pa):
    """Arrow types Hydrascope reads: utf8, int64, float64, list<int64>."""
    fields = []
    for field in table.schema:
        t = field.type
        if pa.types.is_large_string(t) or (
                hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t)):
            t = pa.string()
        elif pa.types.is_integer(t):
            t = pa.int64()
        elif pa.types.is_floating(t):
            t = pa.float64()
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            t = pa.list_(pa.int64())
        fields.append(pa.field(field.name, t))
    return table.cast(pa.schema(fields))


def choose_population(spark, args, accounts, x, F):
    """The accounts to keep (a one-column `account_id` DataFrame) and how
    they were chosen, or (None, "all") with no filter."""
    how = []
    population = None
    for rule in args.only:
        field, _, values = rule.partition("=")
        values = [v for v in values.split(",") if v]
        if not values:
            fail(f"--only {rule}: give FIELD=VALUE[,VALUE...]")
        if field in ACCOUNT_MATCH_FIELDS:
            if field not in accounts.columns:
                fail(f"--only {rule}: the accounts section has no column {field}")
            chosen = accounts.where(F.col(field).cast("string").isin(values)).select("account_id")
        elif field in EXCHANGE_MATCH_FIELDS:
            if field == "prompt_template":
                values = [v.lower() for v in values]
            chosen = x.where(F.col(field).isin(values)).select("account_id").distinct()
        else:
            fail(f"--only {rule}: {field} is not one of: "
                 + ", ".join(ACCOUNT_MATCH_FIELDS + EXCHANGE_MATCH_FIELDS))
        population = chosen if population is None else population.join(chosen, "account_id", "left_semi")
        how.append(f"{field} in {values}")
    if args.seeds:
        try:
            with open(args.seeds) as f:
                seeds = sorted({line.strip() for line in f if line.strip() and not line.startswith("#")})
        except OSError as e:
            fail(f"--seeds {args.seeds}: {e}")
        if not seeds:
            fail(f"--seeds {args.seeds}: no account ids in it")
        linked = linked_accounts(spark, accounts, x, seeds, args.hops, args.crowd, F)
        population = linked if population is None else population.join(linked, "account_id", "left_semi")
        how.append(f"linked to {len(seeds)} seed accounts within {args.hops} hops "
                   f"(values held by at most {args.crowd} accounts)")
    if args.min_prescore is not None:
        scored = prescore(accounts, x, args.crowd, F).where(F.col("prescore") >= args.min_prescore) \
            .select("account_id")
        population = scored if population is None else population.join(scored, "account_id", "left_semi")
        how.append(f"pre-score at least {args.min_prescore}")
    if population is None:
        return None, "all accounts"
    return population.distinct(), "; ".join(how)


def shared_values(accounts, x, F):
    """(account_id, value) pairs an account holds: sign-up card, e-mail
    domain and address, and the addresses, client fingerprints and
    templates of its exchanges, each value tagged with its kind."""
    pairs = []
    for field in ("payment_fingerprint", "email_domain", "signup_ip"):
        if field in accounts.columns:
            pairs.append(accounts.where(F.col(field).isNotNull()).select(
                "account_id", F.concat(F.lit(field + ":"), F.col(field).cast("string")).alias("value")))
    for field in ("ip", "client_fingerprint", "prompt_template"):
        pairs.append(x.where(F.col(field).isNotNull()).select(
            "account_id", F.concat(F.lit(field + ":"), F.col(field)).alias("value")))
    out = pairs[0]
    for p in pairs[1:]:
        out = out.unionByName(p)
    return out.distinct()


def linked_accounts(spark, accounts, x, seeds, hops, crowd, F):
    """The seed accounts and those reached from them in `hops` steps through
    a shared value held by at most `crowd` accounts (a public address or a
    popular tool's prompt ties everyone and no one)."""
    values = shared_values(accounts, x, F)
    holders = values.groupBy("value").agg(F.count(F.lit(1)).alias("holders"))
    values = values.join(holders.where(F.col("holders") <= crowd), "value", "left_semi")
    reached = spark.createDataFrame([(s,) for s in seeds], "account_id string")
    for _ in range(max(0, hops)):
        vals = values.join(reached, "account_id", "left_semi").select("value").distinct()
        reached = reached.unionByName(values.join(vals, "value", "left_semi").select("account_id")).distinct()
    return reached


def prescore(accounts, x, crowd, F):
    """An account's pre-score: the share of its exchanges that carry an
    address, client fingerprint or template that another account also uses
    (a value held by at most `crowd` accounts), or 1 when it shares its
    sign-up card or address with another account. An account that shares
    nothing with anyone draws no link in Hydrascope's graph but through
    timing, and is most often its own cluster."""
    values = shared_values(accounts, x, F)
    holders = values.groupBy("value").agg(F.count(F.lit(1)).alias("holders")) \
        .where((F.col("holders") >= 2) & (F.col("holders") <= crowd))
    shared = values.join(holders, "value", "left_semi")
    card = shared.where(F.col("value").startswith("payment_fingerprint:")
                        | F.col("value").startswith("signup_ip:")) \
        .select("account_id").distinct().withColumn("card", F.lit(1.0))
    y = x.select("account_id", "ip", "client_fingerprint", "prompt_template")
    flags = []
    for field in ("ip", "client_fingerprint", "prompt_template"):
        kind = shared.where(F.col("value").startswith(field + ":")) \
            .select(F.expr(f"substring(value, {len(field) + 2})").alias(field)).distinct() \
            .withColumn("_s_" + field, F.lit(1))
        y = y.join(kind, field, "left")
        flags.append(F.col("_s_" + field))
    share = y.groupBy("account_id").agg(
        F.avg(F.coalesce(*flags, F.lit(0)).cast("double")).alias("share"))
    return accounts.select("account_id").join(share, "account_id", "left") \
        .join(card, "account_id", "left") \
        .select("account_id", F.greatest(F.coalesce("share", F.lit(0.0)),
                                         F.coalesce("card", F.lit(0.0))).alias("prescore"))


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - reported in one line, with its kind
        fail(f"{type(e).__name__}: {one_line(e)}", 1)
