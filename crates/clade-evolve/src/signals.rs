//! SIGINT and SIGTERM as a count, for the loops that stop after the work in
//! flight on the first and exit on the second. Owns no policy: callers
//! decide what each count means.

use tokio::sync::mpsc;

/// A channel that yields 1, 2, 3… on each SIGINT or SIGTERM. Must be called
/// inside a tokio runtime; when the handlers cannot be installed the channel
/// never yields (the process then keeps the default: killed on the signal).
pub fn counted() -> mpsc::UnboundedReceiver<u32> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = mpsc::unbounded_channel();
    if let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        tokio::spawn(async move {
            let mut count = 0;
            loop {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                count += 1;
                if tx.send(count).is_err() {
                    break;
                }
            }
        });
    }
    rx
}
