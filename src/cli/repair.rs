//! `hydrascope repair`: copy what is sound in a damaged or hostile case into a new case (a Hydrascope addition).

use std::path::PathBuf;

use super::{Failure, clean};

// The arguments; their help is the command line's (`hydrascope repair --help`).
#[derive(clap::Args, Debug)]
pub(super) struct RepairArgs {
    /// The damaged case file (only read)
    case: PathBuf,
    /// The new case file
    #[arg(long)]
    out: PathBuf,
    /// Overwrite an existing output
    #[arg(long)]
    force: bool,
}

/// Runs `hydrascope repair` with `args`.
pub(super) fn run(args: RepairArgs) -> Result<(), Failure> {
    let RepairArgs { case, out, force } = args;
    super::check_output_file(&out)?;
    let report =
        crate::case::verify::repair_case(&case, &out, force).map_err(Failure::from_case)?;
    // Built here from what was sound: the workbench opens it without
    // checking it again.
    crate::base::paths::remember_known_case(&out);
    for object in &report.objects {
        println!("object  {}", clean(object));
    }
    for (column, values, max) in &report.cut {
        println!("cut     {values} value(s) of {column} to its bound of {max} bytes");
    }
    for table in &report.damaged {
        let copied = report
            .copied
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n);
        println!(
            "damaged {table}: {copied} row(s) copied around its damaged pages; the rows on them are lost"
        );
    }
    for (table, rows) in &report.dropped {
        println!("dropped {rows} row(s) of {table}");
    }
    let copied: u64 = report.copied.iter().map(|(_, n)| n).sum();
    let dropped: u64 = report.dropped.iter().map(|(_, n)| n).sum();
    println!(
        "wrote {}: {copied} row(s) copied, {dropped} row(s) and {} object(s) left out or remade{}",
        out.display(),
        report.objects.len(),
        match report.damaged.len() {
            0 => String::new(),
            n => format!(", and what lay on damaged pages of {n} table(s)"),
        }
    );
    Ok(())
}
