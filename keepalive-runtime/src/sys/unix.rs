//! Unix: one `setsockopt` per knob at `IPPROTO_TCP` and SO_KEEPALIVE, in the order of the
//! target's `ApplyPlan`.

use keepalive_core::{ApplyPlan, Knob, OptionSpec, Policy, Role, Step, TARGET};
use libc::c_int;
use socket2::SockRef;

use crate::error::{Error, is_no_such_option};
use crate::outcome::{Applied, OptionsSet};
use crate::readback::Value;

/// Apple's `TCP_RXT_CONNDROPTIME` (XNU bsd/netinet/tcp.h), which libc does not export.
#[cfg(target_vendor = "apple")]
const TCP_RXT_CONNDROPTIME: c_int = 0x80;

/// `timing` for the systems whose cfg predicate is given once: their option numbers where
/// it holds, none elsewhere.
macro_rules! timing_where {
    ($cfg:meta) => {
        #[cfg($cfg)]
        mod timing {
            use libc::c_int;
            /// Apple names the idle time TCP_KEEPALIVE.
            #[cfg(target_vendor = "apple")]
            pub(super) const IDLE: Option<c_int> = Some(libc::TCP_KEEPALIVE);
            #[cfg(not(target_vendor = "apple"))]
            pub(super) const IDLE: Option<c_int> = Some(libc::TCP_KEEPIDLE);
            pub(super) const INTERVAL: Option<c_int> = Some(libc::TCP_KEEPINTVL);
            pub(super) const COUNT: Option<c_int> = Some(libc::TCP_KEEPCNT);
        }

        #[cfg(not($cfg))]
        mod timing {
            use libc::c_int;
            pub(super) const IDLE: Option<c_int> = None;
            pub(super) const INTERVAL: Option<c_int> = None;
            pub(super) const COUNT: Option<c_int> = None;
        }
    };
}

// The systems with per-socket keep-alive timings (OpenBSD, for one, has none), written
// once; the assertion below holds them to the platform table.
timing_where!(any(
    target_vendor = "apple",
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "illumos",
    target_os = "solaris",
));

#[cfg(any(target_os = "linux", target_os = "android"))]
const USER_TIMEOUT: Option<c_int> = Some(libc::TCP_USER_TIMEOUT);
#[cfg(target_vendor = "apple")]
const USER_TIMEOUT: Option<c_int> = Some(TCP_RXT_CONNDROPTIME);
/// FreeBSD 14's TCP_MAXUNACKTIME; FreeBSD 13 answers ENOPROTOOPT, which the apply turns
/// into [`Error::Unavailable`] or, best-effort, a left-out knob (PLATFORMS.md A5).
#[cfg(target_os = "freebsd")]
const USER_TIMEOUT: Option<c_int> = Some(libc::TCP_MAXUNACKTIME);
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd"
)))]
const USER_TIMEOUT: Option<c_int> = None;

/// The option number of each knob on this OS, in [`Knob::ALL`] order.
const NUMBERS: [Option<c_int>; 4] = [timing::IDLE, timing::INTERVAL, timing::COUNT, USER_TIMEOUT];

// The cfg lists above and keepalive-core's platform table must agree on which knobs this
// OS has an option for: checked while compiling for each target (`.ci/cross-check` builds
// every one), so the two cannot drift apart.
const _: () = {
    let mut i = 0;
    while i < NUMBERS.len() {
        let in_table = match TARGET {
            Some(platform) => platform.support(Knob::ALL[i]).option().is_some(),
            None => false,
        };
        assert!(
            NUMBERS[i].is_some() == in_table,
            "sys/unix.rs and keepalive-core's platform table disagree on an option of this OS"
        );
        i += 1;
    }
};

/// The option number and the platform-table entry (name, unit) of each knob, in
/// [`Knob::ALL`] order, resolved while compiling: applying a policy only indexes it.
const OPTIONS: [Option<(c_int, &OptionSpec)>; 4] = [
    resolve(NUMBERS[0], Knob::Timeout),
    resolve(NUMBERS[1], Knob::Interval),
    resolve(NUMBERS[2], Knob::Retries),
    resolve(NUMBERS[3], Knob::UserTimeout),
];

const fn resolve(number: Option<c_int>, knob: Knob) -> Option<(c_int, &'static OptionSpec)> {
    match (number, TARGET) {
        (Some(number), Some(platform)) => match platform.support(knob).option() {
            Some(spec) => Some((number, spec)),
            None => None,
        },
        _ => None,
    }
}

// `option` indexes OPTIONS with `knob as usize`: Knob::ALL must list the knobs in the
// order of their discriminants, which is the order OPTIONS is written in.
const _: () = {
    let mut i = 0;
    while i < Knob::ALL.len() {
        assert!(
            Knob::ALL[i] as usize == i,
            "Knob::ALL is not in discriminant order"
        );
        i += 1;
    }
};

/// The option number and the platform-table entry (name, unit) for `knob`.
fn option(knob: Knob) -> Option<(c_int, &'static OptionSpec)> {
    OPTIONS[knob as usize]
}

/// Raw `getsockopt` / `setsockopt`: the one wrapper of this crate, and of its tests and
/// benches (hidden at the root as `__sockopt`), which read the kernel without going through
/// the code they test.
pub mod sockopt {
    use std::io;
    use std::os::fd::AsRawFd;

    use libc::{c_int, socklen_t};

    /// An option's value type: plain data, for which any bytes the kernel writes (and the
    /// zeros before it writes) are a valid value.
    ///
    /// # Safety
    ///
    /// Every bit pattern of `size_of::<Self>()` bytes, all zeros included, must be a valid
    /// `Self`: integers and structs of integers, no `bool`, reference or enum.
    pub unsafe trait Plain: Copy {}

    // SAFETY: integers, and structs made of integers only (their C headers).
    unsafe impl Plain for i32 {}
    // SAFETY: as above.
    unsafe impl Plain for u32 {}
    // SAFETY: as above.
    unsafe impl Plain for u8 {}
    // SAFETY: as above.
    unsafe impl Plain for u64 {}
    // SAFETY: as above.
    unsafe impl Plain for libc::linger {}
    // SAFETY: as above.
    #[cfg(target_os = "linux")]
    unsafe impl Plain for libc::tcp_info {}

    /// `getsockopt(level, name)` into a zeroed `T`, and how many bytes of it the kernel
    /// wrote (never more than `size_of::<T>()`): a `T` longer than the running kernel's is
    /// filled as far as the kernel goes.
    pub fn get<T: Plain>(sock: &impl AsRawFd, level: c_int, name: c_int) -> io::Result<(T, usize)> {
        // SAFETY: `T: Plain`, so the zeros and whatever the kernel writes are a valid `T`.
        unsafe { get_unchecked(sock, level, name) }
    }

    /// [`get`] for a `T` that is not [`Plain`] by declaration.
    ///
    /// # Safety
    ///
    /// `T` must be as [`Plain`] requires: any bytes, zeros included, a valid `T`.
    pub unsafe fn get_unchecked<T>(
        sock: &impl AsRawFd,
        level: c_int,
        name: c_int,
    ) -> io::Result<(T, usize)> {
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        let mut len = size_of::<T>() as socklen_t;
        // SAFETY: `value` is a live, writable buffer of `len` bytes and the kernel writes
        // at most `len` bytes into it, then stores in `len` how many it wrote.
        let rc = unsafe {
            libc::getsockopt(
                sock.as_raw_fd(),
                level,
                name,
                value.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zeroed, then partly or wholly written by the kernel; the caller vouches
        // that any such bytes are a valid `T`.
        let value = unsafe { value.assume_init() };
        Ok((value, (len as usize).min(size_of::<T>())))
    }

    /// `setsockopt(level, name)` with `value`, passed with its own size.
    pub fn set<T: Plain>(
        sock: &impl AsRawFd,
        level: c_int,
        name: c_int,
        value: &T,
    ) -> io::Result<()> {
        // SAFETY: `value` is a live `T` and the length passed is its size.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                level,
                name,
                (value as *const T).cast(),
                size_of::<T>() as socklen_t,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

/// Runs a constant plan slice as straight-line code: each step is a constant, so its
/// knob, option number and unit are resolved while compiling and no step is dispatched at
/// run time (a loop over the slice cost about 1% of an apply on Linux).
macro_rules! run_plan {
    ($steps:expr, $sock:expr, $policy:expr, $done:expr, $best_effort:expr) => {{
        const STEPS: &[Step] = $steps;
        const _: () = assert!(STEPS.len() <= keepalive_core::plan::MAX_STEPS);
        run_plan!(@step STEPS, 0, $sock, $policy, $done, $best_effort);
        run_plan!(@step STEPS, 1, $sock, $policy, $done, $best_effort);
        run_plan!(@step STEPS, 2, $sock, $policy, $done, $best_effort);
        run_plan!(@step STEPS, 3, $sock, $policy, $done, $best_effort);
        run_plan!(@step STEPS, 4, $sock, $policy, $done, $best_effort);
        run_plan!(@step STEPS, 5, $sock, $policy, $done, $best_effort);
    }};
    (@step $steps:ident, $i:literal, $sock:expr, $policy:expr, $done:expr, $best_effort:expr) => {{
        const STEP: Option<Step> = keepalive_core::plan::nth($steps, $i);
        if let Some(step) = STEP {
            run_step($sock, $policy, step, $done, $best_effort)?;
        }
    }};
}

/// The target's plan: which options, in which order, on each kind of socket
/// (keepalive-core's `ApplyPlan`, PLATFORMS.md "Applying options"). An OS outside the table
/// gets the plain order, every knob then refused as having no option.
const PLAN: ApplyPlan = match TARGET {
    Some(platform) => platform.apply,
    None => keepalive_core::LINUX.apply,
};

/// The steps of the target's plan for `role`: each written knob's `setsockopt` and
/// SO_KEEPALIVE, in the order the kernel needs (on Linux: every timing, then SO_KEEPALIVE,
/// so a refusal part-way leaves keep-alive as it was). With `best_effort`, a knob this OS
/// lacks (no option in the table, or ENOPROTOOPT at run time) is recorded there and
/// skipped. On a listener, a written knob that its plan leaves to the accept path counts as
/// applied ([`after_accept`] sets it on every accepted socket, or the accept fails).
#[inline]
pub(crate) fn apply_enabled(
    sock: &SockRef<'_>,
    policy: &Policy,
    role: Role,
    mut best_effort: Option<&mut Applied>,
) -> Result<OptionsSet, Error> {
    let mut done = OptionsSet::EMPTY;
    // One branch per role, each its plan unrolled into straight-line calls (`run_plan!`).
    match role {
        Role::Connected => run_plan!(PLAN.connected, sock, policy, &mut done, &mut best_effort),
        Role::Accepted => run_plan!(PLAN.accepted, sock, policy, &mut done, &mut best_effort),
        Role::Listener => {
            run_plan!(PLAN.listener, sock, policy, &mut done, &mut best_effort);
            for knob in Knob::ALL {
                if policy.get(knob).is_none() || PLAN.sets(Role::Listener, knob) {
                    continue;
                }
                if option(knob).is_some() && PLAN.sets(Role::Accepted, knob) {
                    done.insert(knob);
                } else {
                    super::no_option(knob, best_effort.as_deref_mut())?;
                }
            }
        }
    }
    Ok(done)
}

#[inline(always)]
fn run_step(
    sock: &SockRef<'_>,
    policy: &Policy,
    step: Step,
    done: &mut OptionsSet,
    best_effort: &mut Option<&mut Applied>,
) -> Result<(), Error> {
    match step {
        Step::Set(knob) => set_written(sock, policy, knob, done, best_effort),
        Step::KeepAlive(on) => {
            sock.set_keepalive(on)
                .map_err(|e| Error::set("SO_KEEPALIVE", None, e, *done))?;
            done.set_keepalive(on);
            Ok(())
        }
    }
}

/// `knob`'s option, if the policy writes it: set, or with `best_effort`, left out and
/// recorded where this OS lacks it.
#[inline(always)]
fn set_written(
    sock: &SockRef<'_>,
    policy: &Policy,
    knob: Knob,
    done: &mut OptionsSet,
    best_effort: &mut Option<&mut Applied>,
) -> Result<(), Error> {
    let Some(value) = policy.get(knob) else {
        return Ok(());
    };
    let Some((number, spec)) = option(knob) else {
        return super::no_option(knob, best_effort.as_deref_mut());
    };
    let raw: c_int = super::to_os(value, spec.unit);
    match sockopt::set(&**sock, libc::IPPROTO_TCP, number, &raw) {
        Ok(()) => {
            done.insert(knob);
            Ok(())
        }
        Err(e) => super::refused(knob, spec.name, e, *done, best_effort.as_deref_mut()),
    }
}

/// One knob as the kernel holds it; `None` where this OS has no option to read, or this
/// build of it lacks the option (ENOPROTOOPT).
pub(crate) fn read_knob(sock: &SockRef<'_>, knob: Knob) -> Option<Result<Value, Error>> {
    let (number, spec) = option(knob)?;
    match sockopt::get::<c_int>(&**sock, libc::IPPROTO_TCP, number) {
        Ok((raw, _)) => Some(Ok(super::from_os(raw, spec.unit).into())),
        Err(e) if is_no_such_option(&e) => None,
        Err(source) => Some(Err(Error::Get {
            option: spec.name,
            source,
        })),
    }
}

/// Sets, on an accepted socket, what its plan's `accepted` steps name: the options it did
/// not inherit from its listener (on Apple the idle time and TCP_RXT_CONNDROPTIME, on
/// NetBSD every timing, on FreeBSD the user timeout). With no written knob among them this
/// makes no system call. A refusal fails the accept, so no half-configured socket is
/// handed out.
pub(crate) fn after_accept(sock: &SockRef<'_>, policy: &Policy) -> Result<(), Error> {
    if !policy.is_enabled() {
        return Ok(());
    }
    let steps = PLAN.accepted;
    let written = steps.iter().any(|step| match step {
        Step::Set(knob) => policy.get(*knob).is_some() && option(*knob).is_some(),
        Step::KeepAlive(_) => false,
    });
    if !written {
        return Ok(());
    }
    let mut done = OptionsSet::EMPTY;
    run_plan!(PLAN.accepted, sock, policy, &mut done, &mut None);
    Ok(())
}

/// `net.inet.tcp.always_keepalive`, where the OS has it: with it set, the keep-alive timer
/// probes every connection as if SO_KEEPALIVE were on, with the global timings. FreeBSD
/// and DragonFly default it to 1, XNU to 0 (PLATFORMS.md A11). `None` where the OS has no
/// such setting or the read fails.
#[cfg(any(
    target_os = "freebsd",
    target_os = "dragonfly",
    target_vendor = "apple"
))]
pub(crate) fn always_keepalive() -> Option<bool> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>();
    // SAFETY: the name is a NUL-terminated literal; `value` and `len` are live locals and
    // `len` holds the size of `value`, so the kernel writes at most that many bytes; no
    // new value is passed.
    let rc = unsafe {
        libc::sysctlbyname(
            c"net.inet.tcp.always_keepalive".as_ptr(),
            (&raw mut value).cast(),
            &mut len,
            // Apple declares `newp` mutable, FreeBSD const: a null `*mut` fits both.
            core::ptr::null_mut(),
            0,
        )
    };
    (rc == 0 && len == size_of::<c_int>()).then_some(value != 0)
}

/// No such setting here: SO_KEEPALIVE alone decides whether the timer probes.
#[cfg(not(any(
    target_os = "freebsd",
    target_os = "dragonfly",
    target_vendor = "apple"
)))]
pub(crate) const fn always_keepalive() -> Option<bool> {
    None
}
