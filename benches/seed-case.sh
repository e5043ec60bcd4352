# Sourced by the seed-scale benchmarks (workbench, casework, sharing) from
# the repository root: builds Hydrascope and makes the analysed case they
# share, once. Honours SCENARIO, SEED and DATA; sets `bin` and `case_file`.
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
cargo build --release --quiet
bin=target/release/hydrascope
mkdir -p "$DATA"
case_file="$DATA/workbench-$SCENARIO-$SEED.hcase"
if [ ! -f "$case_file" ]; then
    "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$case_file" >/dev/null
    "$bin" analyze "$case_file" >/dev/null
fi
