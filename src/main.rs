//! The `hydrascope` binary: a thin front over the library.

fn main() -> std::process::ExitCode {
    // A reader that stops early (`hydrascope analyze | head`) ends the
    // program quietly, as with other command-line tools, instead of making
    // every later print panic on the closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any
    // thread starts races with nothing.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    hydrascope::cli::main()
}
