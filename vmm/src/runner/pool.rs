//! Running up to N jobs at a time on worker threads, reporting each start and
//! finish to the caller's thread (which owns all output).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// What the pool tells the caller.
#[derive(Debug)]
pub enum PoolEvent<R> {
    /// Job `index` started.
    Started(usize),
    /// Job `index` finished with this result.
    Finished(usize, R),
}

/// Run `work` over `items`, at most `jobs` at a time, calling `on_event` on
/// this thread for every start and finish. Returns the results in item order.
pub fn run_pool<T, R, W, E>(items: &[T], jobs: usize, work: W, mut on_event: E) -> Vec<R>
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    E: FnMut(PoolEvent<&R>),
{
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<PoolEvent<R>>();
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            let tx = tx.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= items.len() {
                    break;
                }
                let _ = tx.send(PoolEvent::Started(i));
                let r = work(&items[i]);
                let _ = tx.send(PoolEvent::Finished(i, r));
            });
        }
        drop(tx);
        for event in rx {
            match event {
                PoolEvent::Started(i) => on_event(PoolEvent::Started(i)),
                PoolEvent::Finished(i, r) => {
                    on_event(PoolEvent::Finished(i, &r));
                    results[i] = Some(r);
                }
            }
        }
    });
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[test]
    fn runs_everything_in_order_with_bounded_concurrency() {
        let items: Vec<u64> = (0..10).collect();
        let running = AtomicUsize::new(0);
        let peak = Mutex::new(0);
        let mut events = Vec::new();
        let out = run_pool(
            &items,
            3,
            |&i| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                let mut p = peak.lock().unwrap();
                *p = (*p).max(now);
                drop(p);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            },
            |e| events.push(matches!(e, PoolEvent::Started(_))),
        );
        assert_eq!(out, (0..10).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(*peak.lock().unwrap(), 3);
        assert_eq!(events.iter().filter(|s| **s).count(), 10);
        assert_eq!(events.len(), 20);
    }

    #[test]
    fn empty_and_oversized_job_counts() {
        let none: Vec<u8> = Vec::new();
        assert!(run_pool(&none, 4, |_| 0, |_| {}).is_empty());
        assert_eq!(run_pool(&[1, 2], 64, |x| x + 1, |_| {}), [2, 3]);
    }
}
