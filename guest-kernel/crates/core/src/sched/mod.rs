//! The scheduler: one run queue for every CPU, round robin, preemption by
//! each CPU's APIC timer.
//!
//! Kernel code runs under the kernel lock (`arch::big_lock`), one CPU at a
//! time, with interrupts disabled except in the idle thread's HLT; so the
//! run queue lock is never contended — it exists for Rust's aliasing rules
//! and is never held across a context switch. Each CPU has its own current
//! and idle thread. A thread that becomes ready while a CPU idles sends that
//! CPU a reschedule IPI; a thread killed or suspended while it runs user code
//! on another CPU sends its CPU one, so it stops at its user-return check.
//!
//! Blocking: a thread blocks on a [`WaitKey`] with a deadline; [`wake`] moves
//! every thread blocked on that key to the ready queue, and the timer tick
//! times out threads whose deadline passed. Woken threads re-check their own
//! condition — waking is a hint, never a promise. A thread being killed is
//! woken with [`WakeReason::Killed`] and must return from its system call at
//! once (it ends on the way back to user mode).
//!
//! WaitKey name spaces: 0 sleep, 1 signals, [`WaitKey::for_object`] (bit 63
//! plus a koid, the same keys as `object::object_wait_key`) for waits on one
//! object, [`WaitKey::futex`] (bits 63 and 62 plus a futex id) for futexes.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use spin::Mutex;

use crate::arch::acpi::MAX_CPUS;
use crate::arch::{apic, big_lock, context, cpu, gdt, percpu, smp, syscall_entry, tlb};
use crate::clock;
use crate::task::thread::{Thread, ThreadState};

pub use kernel_sched::{WaitKey, WakeReason, INFINITE};

/// The reschedule IPI's vector.
pub const RESCHED_VECTOR: u8 = 0xfc;

/// The CPUs' threads and the shared run queue.
struct Cpus {
    /// Each CPU's running thread.
    current: [Option<Arc<Thread>>; MAX_CPUS],
    /// Ready and blocked threads (kernel_sched::RunQueue's policy: woken
    /// threads first, no starvation, blocked in block order).
    queue: kernel_sched::RunQueue<Thread>,
    zombies: Vec<Arc<Thread>>,
    /// Each CPU's idle thread.
    idle: [Option<Arc<Thread>>; MAX_CPUS],
    switches: u64,
}

static QUEUE: Mutex<Cpus> = Mutex::new(Cpus {
    current: [const { None }; MAX_CPUS],
    queue: kernel_sched::RunQueue::new(),
    zombies: Vec::new(),
    idle: [const { None }; MAX_CPUS],
    switches: 0,
});

static FIRST_USER_SWITCH_DONE: AtomicBool = AtomicBool::new(false);

/// What runs once, just before the first switch to a user thread (the boot
/// recipe's milestone and last set-up).
static FIRST_USER_ENTRY_HOOK: spin::Once<fn()> = spin::Once::new();

/// Run `hook` once, just before the first switch to a user thread.
pub fn on_first_user_entry(hook: fn()) {
    FIRST_USER_ENTRY_HOOK.call_once(|| hook);
}

/// TSC at each CPU's last context switch (CPU time accounting).
static SWITCHED_AT: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// True when the running thread must stop at the user-return check (kill or
/// suspension pending): one load on every return to user mode.
#[inline(always)]
pub fn attention() -> bool {
    percpu::attention()
}

/// Flag (or clear) pending work for this CPU's running thread.
pub fn set_attention(v: bool) {
    percpu::this().attention.store(v, Ordering::Relaxed);
}

/// The running thread.
pub fn current() -> Option<Arc<Thread>> {
    QUEUE.lock().current[percpu::index()].clone()
}

/// The CPU `t` runs on, if it is running.
pub fn running_on(t: &Thread) -> Option<usize> {
    QUEUE.lock().current.iter().position(|c| c.as_ref().is_some_and(|c| core::ptr::eq(Arc::as_ptr(c), t)))
}

/// CPU time `t` has used, in TSC ticks, the slice it is running now included.
pub fn runtime_ticks(t: &Thread) -> u64 {
    let running = running_on(t).map_or(0, |cpu| cpu::rdtsc().saturating_sub(SWITCHED_AT[cpu].load(Ordering::Relaxed)));
    t.runtime_ticks() + running
}

/// Send CPU `index` a reschedule IPI.
fn kick(index: usize) {
    apic::send_fixed(percpu::cpu(index).apic_id.load(Ordering::Relaxed), RESCHED_VECTOR);
}

/// A thread became ready. This CPU may run it itself if its current thread
/// blocks next (a message handed over, then a wait for the answer): the
/// decision waits until this CPU goes back to user mode (the attention
/// check calls [`kick_if_work_waits`]) or picks its next thread.
fn note_ready() {
    if smp::online() > 1 {
        percpu::this().attention.store(true, Ordering::Relaxed);
    }
}

/// Threads wait in the queue while this CPU goes on with its own: wake an
/// idle CPU for them.
pub fn kick_if_work_waits() {
    if QUEUE.lock().has_ready() {
        kick_an_idle_cpu();
    }
}

/// Wake one idle CPU other than this one, if any.
fn kick_an_idle_cpu() {
    let online = smp::online() as usize;
    if online <= 1 {
        return;
    }
    let me = percpu::index();
    if let Some(i) = (0..online).find(|&i| i != me && percpu::cpu(i).idle.swap(false, Ordering::Relaxed)) {
        kick(i);
    }
}

/// Timer ticks so far.
static TICKS: AtomicU64 = AtomicU64::new(0);

impl Cpus {
    /// Queue a preempted or new thread.
    fn push_ready(&mut self, t: Arc<Thread>) {
        self.queue.push_ready(t, TICKS.load(Ordering::Relaxed));
        note_ready();
    }

    fn has_ready(&self) -> bool {
        self.queue.has_ready()
    }

    /// The next thread to run.
    fn pop_next(&mut self) -> Option<Arc<Thread>> {
        self.queue.pop_next(TICKS.load(Ordering::Relaxed))
    }
}

/// How the run queue sees a thread.
impl kernel_sched::Waiter for Thread {
    fn wait_key(&self) -> WaitKey {
        Thread::wait_key(self)
    }

    fn set_wait_key(&self, key: WaitKey) {
        Thread::set_wait_key(self, key);
    }

    fn deadline(&self) -> i64 {
        Thread::deadline(self)
    }

    fn end_wait(&self, reason: WakeReason) {
        self.set_wake_reason(reason);
        self.set_state(ThreadState::Ready);
    }
}

/// Make `t` runnable.
pub fn add_ready(t: Arc<Thread>) {
    t.set_state(ThreadState::Ready);
    QUEUE.lock().push_ready(t);
}

/// Leave this CPU's boot context for good and run threads (the kernel lock
/// held). `idle` runs when nothing else can.
pub fn start(idle: Arc<Thread>) -> ! {
    QUEUE.lock().idle[percpu::index()] = Some(idle);
    // A valid slot that nobody reads: the boot stack is abandoned (never
    // freed, so the slot stays valid).
    let mut boot_rsp = 0u64;
    switch_to_next(&mut boot_rsp, false);
    unreachable!("the boot context is never resumed")
}

/// Pick the next thread and switch to it. `prev_slot` is where the current
/// context's RSP is saved.
fn switch_to_next(prev_slot: *mut u64, requeue_current: bool) {
    let me = percpu::index();
    let next = {
        let mut q = QUEUE.lock();
        if requeue_current {
            if let Some(cur) = q.current[me].clone() {
                if !cur.is_idle() && cur.state() == ThreadState::Running {
                    cur.set_state(ThreadState::Ready);
                    q.push_ready(cur);
                }
            }
        }
        let next = match q.pop_next() {
            Some(t) => t,
            None => match q.idle[me].clone() {
                Some(i) => i,
                None => return,
            },
        };
        if q.current[me].as_ref().is_some_and(|c| Arc::ptr_eq(c, &next)) {
            next.set_state(ThreadState::Running);
            return;
        }
        q.switches += 1;
        // The x87/SSE registers and FS/GS bases: the leaving user thread's
        // are saved (it may resume on another CPU), the arriving one's loaded.
        if let Some(prev) = q.current[me].as_ref().filter(|p| p.process().is_some() && p.state() != ThreadState::Dead) {
            prev.fpu().save();
        }
        if next.process().is_some() {
            next.fpu().restore();
            next.bases().restore();
        }
        let now = cpu::rdtsc();
        if let Some(prev) = &q.current[me] {
            prev.add_runtime(now.wrapping_sub(SWITCHED_AT[me].swap(now, Ordering::Relaxed)));
        } else {
            SWITCHED_AT[me].store(now, Ordering::Relaxed);
        }
        crate::trace::context_switch(q.current[me].as_ref().map_or(0, |c| c.koid()), next.koid(), next.process().map_or(0, |p| p.koid()));
        q.current[me] = Some(next.clone());
        next.set_last_cpu(me);
        if q.has_ready() {
            kick_an_idle_cpu();
        }
        next
    };
    next.set_state(ThreadState::Running);
    // CPU 0 leaving idle (from its idle loop or an interrupt taken there)
    // takes its scheduling tick back: the thread may need preempting.
    if me == 0 && !next.is_idle() && !TICK_ARMED.load(Ordering::Relaxed) {
        arm_boot_timer();
    }
    let this = percpu::this();
    this.idle.store(next.is_idle(), Ordering::Relaxed);
    this.attention.store(!next.is_idle() && next.needs_attention(), Ordering::Relaxed);
    if !next.is_idle() && !FIRST_USER_SWITCH_DONE.swap(true, Ordering::Relaxed) {
        if let Some(hook) = FIRST_USER_ENTRY_HOOK.get() {
            hook();
        }
    }
    let top = next.kstack_top();
    gdt::set_kernel_stack(top);
    syscall_entry::set_kernel_stack(top);
    if let Some(p) = next.process() {
        let root = p.aspace_root();
        if cpu::read_cr3() & !0xfff != root {
            // SAFETY: every user address space maps the kernel half.
            unsafe { cpu::write_cr3(root) };
            tlb::note_root(root);
        }
    }
    let next_rsp = next.saved_rsp();
    drop(next);
    // SAFETY: `prev_slot` belongs to the current context (a thread kept alive by
    // the queue lists, or a boot stack's slot); `next_rsp` was prepared or
    // saved for a thread that runs on no CPU: a thread switched out on another
    // CPU finished saving it before that CPU dropped the kernel lock we hold.
    unsafe { context::switch(prev_slot, next_rsp) };
}

fn reschedule(requeue_current: bool) {
    let cur = {
        let mut q = QUEUE.lock();
        q.zombies.clear();
        q.current[percpu::index()].clone()
    };
    let Some(cur) = cur else { return };
    let slot = cur.saved_rsp_slot();
    // `cur` stays referenced by the queue lists while we are switched out.
    drop(cur);
    switch_to_next(slot, requeue_current);
}

/// Block the current thread on `key` until woken or `deadline` (monotonic ns)
/// passes. Returns why it resumed; [`WakeReason::Killed`] means the caller
/// must return from its system call now.
pub fn block(key: WaitKey, deadline: i64) -> WakeReason {
    block_as(key, deadline, key.default_block_state())
}

/// [`block`], reporting `state` (a ZX_THREAD_STATE_BLOCKED_* value, or
/// ZX_THREAD_STATE_SUSPENDED) in ZX_INFO_THREAD meanwhile.
pub fn block_as(key: WaitKey, deadline: i64, state: u32) -> WakeReason {
    let cur = {
        let mut q = QUEUE.lock();
        let Some(cur) = q.current[percpu::index()].clone() else { return WakeReason::TimedOut };
        if cur.is_killed() {
            return WakeReason::Killed;
        }
        if deadline <= clock::now_ns() {
            return WakeReason::TimedOut;
        }
        cur.prepare_block(key, deadline, state);
        q.queue.push_blocked(cur.clone());
        cur
    };
    if deadline != INFINITE {
        // After the queue lock: re-arming reads the blocked threads.
        note_deadline(deadline);
    }
    reschedule(false);
    if cur.is_killed() {
        WakeReason::Killed
    } else {
        cur.wake_reason()
    }
}

/// Wake up to `n` threads blocked on `key`, oldest first; returns how many.
pub fn wake_n(key: WaitKey, n: usize) -> usize {
    let mut q = QUEUE.lock();
    let woken = q.queue.wake_n(key, n);
    if woken > 0 {
        note_ready();
    }
    woken
}

/// Move up to `n` threads blocked on `from` to wait on `to` instead (oldest
/// first); returns how many moved.
pub fn requeue(from: WaitKey, to: WaitKey, n: usize) -> usize {
    QUEUE.lock().queue.requeue(from, to, n)
}

/// Number of threads blocked on `key`.
pub fn waiters(key: WaitKey) -> usize {
    QUEUE.lock().queue.waiters(key)
}

/// `t` is being killed: make it runnable if it is blocked (its wait returns
/// [`WakeReason::Killed`]); if it is running, flag its CPU for the
/// user-return check (and make another CPU enter the kernel to do it).
pub fn interrupt(t: &Arc<Thread>) {
    let mut q = QUEUE.lock();
    if let Some(cpu) = q.current.iter().position(|c| c.as_ref().is_some_and(|c| Arc::ptr_eq(c, t))) {
        percpu::cpu(cpu).attention.store(true, Ordering::Relaxed);
        if cpu != percpu::index() {
            kick(cpu);
        }
        return;
    }
    if q.queue.interrupt(t, WakeReason::Killed) {
        note_ready();
    }
}

/// Wake every thread blocked on `key`.
pub fn wake(key: WaitKey) {
    let mut q = QUEUE.lock();
    if q.queue.wake(key) > 0 {
        note_ready();
    }
}

/// Timer ticks taken since boot.
pub fn ticks_taken() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Nanoseconds between the boot CPU's scheduling ticks.
static TICK_NS: AtomicI64 = AtomicI64::new(10_000_000);
/// When the boot CPU's next scheduling tick is due (monotonic ns).
static NEXT_TICK_AT: AtomicI64 = AtomicI64::new(0);
/// When the boot CPU's one-shot timer fires next (monotonic ns).
static ARMED_AT: AtomicI64 = AtomicI64::new(i64::MAX);
/// The earliest deadline another CPU asked the boot CPU's timer for.
static FORWARD_TO: AtomicI64 = AtomicI64::new(i64::MAX);

/// Start the boot CPU's timer: one-shot, armed for the next scheduling tick
/// (every `tick_ns`) or the earliest deadline, whichever comes first — so
/// waits and timers end at their deadline, not at the next 10 ms tick.
pub fn start_deadline_timer(tick_ns: i64) {
    TICK_NS.store(tick_ns, Ordering::Relaxed);
    NEXT_TICK_AT.store(clock::now_ns() + tick_ns, Ordering::Relaxed);
    arm_boot_timer();
}

/// Whether the boot CPU's timer includes the scheduling tick (false while
/// CPU 0 idles: it then fires for deadlines only).
static TICK_ARMED: AtomicBool = AtomicBool::new(true);

/// Arm the boot CPU's timer for its next event (on CPU 0).
fn arm_boot_timer() {
    TICK_ARMED.store(true, Ordering::Relaxed);
    arm_boot_timer_for(Some(NEXT_TICK_AT.load(Ordering::Relaxed)));
}

/// CPU 0 going idle: nothing of its own to preempt, so its timer fires for
/// the earliest deadline only (none: it sleeps until an interrupt or IPI).
fn arm_boot_timer_idle() {
    // Armed for a deadline before the tick: nothing to take out (and no
    // scan or MSR write, which exits on PVM).
    if ARMED_AT.load(Ordering::Relaxed) < NEXT_TICK_AT.load(Ordering::Relaxed) {
        return;
    }
    TICK_ARMED.store(false, Ordering::Relaxed);
    arm_boot_timer_for(None);
}

fn arm_boot_timer_for(tick: Option<i64>) {
    let now = clock::now_ns();
    let blocked = QUEUE.lock().queue.earliest_deadline();
    let next = [tick, blocked, crate::object::timer::earliest()].into_iter().flatten().min().unwrap_or(i64::MAX);
    ARMED_AT.store(next, Ordering::Relaxed);
    if next == i64::MAX {
        apic::stop_timer();
    } else {
        apic::arm_one_shot_ns(next.saturating_sub(now).max(0) as u64);
    }
}

/// A wait or timer now ends at `deadline`: bring the boot CPU's timer
/// forward if it would fire later (from another CPU: through a reschedule
/// IPI, whose handler re-arms).
pub fn note_deadline(deadline: i64) {
    if deadline >= ARMED_AT.load(Ordering::Relaxed) {
        return;
    }
    if percpu::index() == 0 {
        arm_boot_timer();
    } else {
        // CPU 0 re-arms in its IPI handler only when asked for an earlier time.
        FORWARD_TO.fetch_min(deadline, Ordering::Relaxed);
        kick(0);
    }
}

/// Timer interrupt: time out expired waits and preempt the running thread
/// if another is ready. On the boot CPU it is a scheduling tick only when
/// the tick is due (else a deadline), and the timer is re-armed.
pub fn on_tick() {
    // Time and deadlines advance on the boot CPU; every CPU's tick
    // preempts its own thread.
    let preempt = if percpu::index() == 0 {
        let now = clock::now_ns();
        let tick_due = now >= NEXT_TICK_AT.load(Ordering::Relaxed);
        if tick_due {
            TICKS.fetch_add(1, Ordering::Relaxed);
            NEXT_TICK_AT.store(now + TICK_NS.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        let fired = crate::object::timer::on_tick(now);
        let woken = {
            let mut q = QUEUE.lock();
            let woken = q.queue.time_out(now);
            if woken > 0 {
                note_ready();
            }
            woken
        };
        arm_boot_timer();
        (tick_due || woken > 0 || fired > 0) && QUEUE.lock().has_ready()
    } else {
        QUEUE.lock().has_ready()
    };
    if preempt {
        reschedule(true);
    }
}

/// End the current thread; never returns.
pub fn exit_current() -> ! {
    crate::trace::thread_exit();
    let cur = {
        let mut q = QUEUE.lock();
        q.zombies.clear();
        let cur = q.current[percpu::index()].clone();
        if let Some(c) = &cur {
            c.set_state(ThreadState::Dead);
            q.zombies.push(c.clone());
        }
        cur
    };
    if let Some(c) = cur {
        let slot = c.saved_rsp_slot();
        drop(c);
        switch_to_next(slot, false);
    }
    unreachable!("a dead thread was resumed")
}

/// A reschedule IPI: run a ready thread if there is one (on the boot CPU
/// also: another CPU brought a deadline forward).
pub fn on_resched_ipi() {
    // Most reschedule IPIs carry no deadline: re-arm (a scan and an MSR
    // write, which exits on PVM) only for one earlier than the armed time.
    if percpu::index() == 0 && FORWARD_TO.swap(i64::MAX, Ordering::Relaxed) < ARMED_AT.load(Ordering::Relaxed) {
        arm_boot_timer();
    }
    if QUEUE.lock().has_ready() {
        reschedule(true);
    }
}

/// A CPU's idle thread: run what is ready, else drop the kernel lock and halt
/// until an interrupt (CPU 0: a tick or a device; every CPU: a reschedule or
/// TLB IPI).
pub extern "C" fn idle_main() -> ! {
    let ap = percpu::index() != 0;
    loop {
        if QUEUE.lock().has_ready() {
            reschedule(false);
            continue;
        }
        percpu::this().idle.store(true, Ordering::Relaxed);
        // An idle AP stops its tick: only an IPI (work for it, a TLB flush)
        // wakes it. An idle CPU 0 keeps a timer for deadlines only.
        if ap {
            apic::stop_timer();
        } else {
            arm_boot_timer_idle();
        }
        big_lock::leave();
        cpu::wait_for_interrupt();
        big_lock::enter();
        if ap {
            apic::start_periodic_ap();
        }
    }
}
