//! One way to run work off the UI thread: a named thread whose one answer
//! comes back on a channel, with a repaint when it does. Every one-shot
//! background task of the workbench (opening a case, the system's file
//! dialogs, a repair, a picture, an export or a merge) goes through
//! [`run`]; the shell polls the receiver each frame. Long jobs that report
//! progress or take requests (the analysis, the layout, case work, the
//! query worker) keep their own loop in `jobs.rs` and `worker.rs`.

use std::sync::mpsc::{self, Receiver};

/// Runs `work` on a thread named `name` and sends its answer back; `wake`
/// (a repaint) is called once it is sent. When no thread can be started,
/// the receiver already holds `failed` with the reason, so the caller
/// polls one way whatever happened.
pub fn run<T: Send + 'static>(
    name: &str,
    wake: impl Fn() + Send + 'static,
    failed: impl FnOnce(String) -> T,
    work: impl FnOnce() -> T + Send + 'static,
) -> Receiver<T> {
    let (sender, receiver) = mpsc::channel();
    let answer = sender.clone();
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = answer.send(work());
            wake();
        });
    if let Err(err) = spawned {
        let _ = sender.send(failed(format!("could not start {name}: {err}")));
    }
    receiver
}

#[cfg(test)]
mod tests {
    use super::run;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn the_answer_comes_back_and_the_shell_is_woken() {
        let woken = Arc::new(AtomicBool::new(false));
        let flag = woken.clone();
        let answer = run(
            "test-job",
            move || flag.store(true, Ordering::SeqCst),
            Err,
            || Ok::<u32, String>(42),
        );
        assert_eq!(
            answer.recv_timeout(Duration::from_secs(10)).unwrap(),
            Ok(42)
        );
        // The wake follows the send.
        for _ in 0..1000 {
            if woken.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("not woken");
    }
}
