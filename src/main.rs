//! The `hydrascope` binary: a thin front over the library.

fn main() -> std::process::ExitCode {
    hydrascope::cli::main()
}
