//! The device thread: an event-manager loop serving every virtio device.
//!
//! vCPU threads never do device work: a queue notification is an eventfd
//! (KVM ioeventfd) that wakes this loop, which locks the one transport
//! concerned, serves the queue and raises the interrupt (irqfd). The loop
//! runs until [`EventLoop::stop`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use event_manager::{EventManager, EventOps, EventSet, Events, MutEventSubscriber, SubscriberOps};
use vmm_sys_util::eventfd::EventFd;

/// A boxed subscriber, as the loop holds them.
pub type Subscriber = Box<dyn MutEventSubscriber + Send>;

/// Ends the loop when its eventfd fires.
struct Stopper {
    event: EventFd,
    stopped: Arc<AtomicBool>,
}

impl MutEventSubscriber for Stopper {
    fn init(&mut self, ops: &mut EventOps) {
        if let Err(e) = ops.add(Events::new(&self.event, EventSet::IN)) {
            eprintln!("zxvm: device thread: cannot watch its stop event: {e:?}");
        }
    }

    fn process(&mut self, _events: Events, _ops: &mut EventOps) {
        let _ = self.event.read();
        self.stopped.store(true, Ordering::Release);
    }
}

/// A running device thread.
pub struct EventLoop {
    stop: EventFd,
    stopped: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What the device thread runs before its loop.
pub type OnStart = Box<dyn FnOnce() -> Result<(), String> + Send>;

impl EventLoop {
    /// Start a thread named `name` serving `subscribers`; the thread runs
    /// `on_start` first (the VMM installs its seccomp filter there) and
    /// serves nothing if it fails.
    ///
    /// # Errors
    /// An eventfd, the epoll set or the thread cannot be created, or
    /// `on_start` failed.
    pub fn spawn(name: &str, subscribers: Vec<Subscriber>, on_start: OnStart) -> std::io::Result<Self> {
        let stop = EventFd::new(libc::EFD_NONBLOCK)?;
        let stopped = Arc::new(AtomicBool::new(false));
        let mut manager: EventManager<Subscriber> = EventManager::new().map_err(|e| std::io::Error::other(format!("event manager: {e:?}")))?;
        manager.add_subscriber(Box::new(Stopper { event: stop.try_clone()?, stopped: stopped.clone() }));
        for s in subscribers {
            manager.add_subscriber(s);
        }
        let flag = stopped.clone();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || {
            let started = on_start();
            let ok = started.is_ok();
            let _ = started_tx.send(started);
            if !ok {
                return;
            }
            while !flag.load(Ordering::Acquire) {
                // The timeout only bounds how long a lost stop event could delay exit.
                if let Err(e) = manager.run_with_timeout(500) {
                    eprintln!("zxvm: device thread: event loop failed: {e:?}");
                    break;
                }
            }
        })?;
        match started_rx.recv() {
            Ok(Ok(())) => Ok(EventLoop { stop, stopped, thread: Some(thread) }),
            Ok(Err(e)) => Err(std::io::Error::other(e)),
            Err(_) => Err(std::io::Error::other("the device thread ended before it started")),
        }
    }

    /// Stop the loop and wait for the thread (work in progress finishes first).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stopped.store(true, Ordering::Release);
        let _ = self.stop.write(1);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtio::mmio::{reg, VirtioMmio, VirtioMmioHandler};
    use crate::virtio::rng::Rng;
    use crate::virtio::test_utils::*;
    use crate::virtio::{VIRTIO_F_VERSION_1, VIRTQ_DESC_F_WRITE};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    #[test]
    fn notifications_are_served_on_the_device_thread() {
        let mem = guest_memory();
        let (int, irq) = interrupt();
        let rng = Rng::new(Box::new(std::io::repeat(0x5a)));
        let t = Arc::new(Mutex::new(VirtioMmio::new(rng, mem.clone(), int).unwrap()));
        let mut tq = TestQueue::new(0x1000, 8);
        drive_to_ok(&mut *t.lock().unwrap(), std::slice::from_ref(&tq), 1 << VIRTIO_F_VERSION_1);
        let el = EventLoop::spawn("test-devices", vec![Box::new(VirtioMmioHandler::new(t.clone()))], Box::new(|| Ok(()))).unwrap();
        tq.set_desc(&mem, 0, 0x8000, 32, VIRTQ_DESC_F_WRITE, 0);
        tq.offer(&mem, 0);
        // What KVM's ioeventfd does, or the transport on a trapped write.
        write32(&mut *t.lock().unwrap(), reg::QUEUE_NOTIFY, 0);
        let deadline = Instant::now() + Duration::from_secs(5);
        while tq.used_idx(&mem) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(tq.used_elem(&mem, 0), (0, 32));
        assert_eq!(irq.count(), 1);
        el.stop();
    }
}
