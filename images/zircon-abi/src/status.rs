//! Status codes (`zx_status_t`).
//!
//! Every system call that can fail reports a signed 32-bit status: `ZX_OK` (0)
//! on success, a negative `ZX_ERR_*` value otherwise. The raw constants carry
//! the exact values Zircon assigns; [`ZxError`] is the same set as a Rust enum
//! (without `ZX_OK`) so kernel and user code can use `?` through
//! [`ZxResult`].
//!
//! One list (the `errors!` invocation below) produces the constants, the enum
//! and the name table, so the three cannot drift apart.

/// A Zircon status: `ZX_OK` or one of the negative `ZX_ERR_*` values.
#[allow(non_camel_case_types)]
pub type zx_status_t = i32;

/// Success.
pub const ZX_OK: zx_status_t = 0;

/// The name [`status_name`] gives a value that is neither `ZX_OK` nor a known
/// error. No Zircon status has this name, so it cannot be mistaken for one.
pub const UNKNOWN_STATUS_NAME: &str = "ZX_ERR_UNKNOWN";

/// Result of a fallible operation, with the error as a [`ZxError`].
pub type ZxResult<T = ()> = Result<T, ZxError>;

macro_rules! errors {
    ($( $(#[doc = $doc:literal])* $variant:ident => $konst:ident = $val:literal; )*) => {
        $(
            $(#[doc = $doc])*
            pub const $konst: zx_status_t = $val;
        )*

        /// A Zircon error status. The discriminant is the raw `zx_status_t`.
        #[repr(i32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ZxError {
            $(
                $(#[doc = $doc])*
                $variant = $val,
            )*
        }

        impl ZxError {
            /// Every error, in ascending order of magnitude (-1, -2, ...).
            pub const ALL: [ZxError; [$($val),*].len()] = [$(ZxError::$variant),*];

            /// The error whose raw value is `raw`; `None` for `ZX_OK`, positive
            /// values and negative values Zircon does not define.
            pub const fn from_raw(raw: zx_status_t) -> Option<ZxError> {
                match raw {
                    $($val => Some(ZxError::$variant),)*
                    _ => None,
                }
            }

            /// The Zircon spelling of this error, e.g. `"ZX_ERR_BAD_HANDLE"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(ZxError::$variant => stringify!($konst),)*
                }
            }
        }
    };
}

errors! {
    /// Unspecified failure inside the system.
    Internal => ZX_ERR_INTERNAL = -1;
    /// The operation is not implemented, supported or enabled.
    NotSupported => ZX_ERR_NOT_SUPPORTED = -2;
    /// A resource other than memory could not be allocated.
    NoResources => ZX_ERR_NO_RESOURCES = -3;
    /// Memory could not be allocated.
    NoMemory => ZX_ERR_NO_MEMORY = -4;
    /// The call was interrupted and should be retried (never leaves the vDSO).
    InternalIntrRetry => ZX_ERR_INTERNAL_INTR_RETRY = -6;
    /// An argument is invalid (for example a bad pointer).
    InvalidArgs => ZX_ERR_INVALID_ARGS = -10;
    /// A handle value does not name a handle of the caller.
    BadHandle => ZX_ERR_BAD_HANDLE = -11;
    /// The object is of the wrong type for the operation.
    WrongType => ZX_ERR_WRONG_TYPE = -12;
    /// The system-call number is not valid.
    BadSyscall => ZX_ERR_BAD_SYSCALL = -13;
    /// An argument lies outside the valid range.
    OutOfRange => ZX_ERR_OUT_OF_RANGE = -14;
    /// A caller buffer is too small.
    BufferTooSmall => ZX_ERR_BUFFER_TOO_SMALL = -15;
    /// The object's current state does not allow the operation.
    BadState => ZX_ERR_BAD_STATE = -20;
    /// The deadline passed before the operation completed.
    TimedOut => ZX_ERR_TIMED_OUT = -21;
    /// Not possible now; waiting for a signal may make it possible.
    ShouldWait => ZX_ERR_SHOULD_WAIT = -22;
    /// The operation (for example a wait) was canceled.
    Canceled => ZX_ERR_CANCELED = -23;
    /// The other end of the object has been closed.
    PeerClosed => ZX_ERR_PEER_CLOSED = -24;
    /// The requested entity does not exist.
    NotFound => ZX_ERR_NOT_FOUND = -25;
    /// An entity with that identity already exists.
    AlreadyExists => ZX_ERR_ALREADY_EXISTS = -26;
    /// The entity is already owned or bound by someone else.
    AlreadyBound => ZX_ERR_ALREADY_BOUND = -27;
    /// The subject cannot perform the operation at the moment.
    Unavailable => ZX_ERR_UNAVAILABLE = -28;
    /// The caller lacks the rights or permission for the operation.
    AccessDenied => ZX_ERR_ACCESS_DENIED = -30;
    /// Unspecified input/output failure.
    Io => ZX_ERR_IO = -40;
    /// The device refused the I/O operation.
    IoRefused => ZX_ERR_IO_REFUSED = -41;
    /// Data failed an integrity check.
    IoDataIntegrity => ZX_ERR_IO_DATA_INTEGRITY = -42;
    /// Data is unavailable and may be lost.
    IoDataLoss => ZX_ERR_IO_DATA_LOSS = -43;
    /// The device is no longer present.
    IoNotPresent => ZX_ERR_IO_NOT_PRESENT = -44;
    /// The device delivered more data than expected.
    IoOverrun => ZX_ERR_IO_OVERRUN = -45;
    /// The operation missed its required time window.
    IoMissedDeadline => ZX_ERR_IO_MISSED_DEADLINE = -46;
    /// The I/O data was invalid or out of range.
    IoInvalid => ZX_ERR_IO_INVALID = -47;
    /// A path is too long.
    BadPath => ZX_ERR_BAD_PATH = -50;
    /// The object is not a directory.
    NotDir => ZX_ERR_NOT_DIR = -51;
    /// The object is not a regular file.
    NotFile => ZX_ERR_NOT_FILE = -52;
    /// A file would exceed its size limit.
    FileBig => ZX_ERR_FILE_BIG = -53;
    /// Storage space is exhausted.
    NoSpace => ZX_ERR_NO_SPACE = -54;
    /// A directory is not empty.
    NotEmpty => ZX_ERR_NOT_EMPTY = -55;
    /// Flow control for callbacks: stop calling (never returned by a syscall).
    Stop => ZX_ERR_STOP = -60;
    /// Flow control for callbacks: move to the next item.
    Next => ZX_ERR_NEXT = -61;
    /// Flow control for callbacks: an asynchronous worker took ownership.
    Async => ZX_ERR_ASYNC = -62;
    /// The protocol is not supported.
    ProtocolNotSupported => ZX_ERR_PROTOCOL_NOT_SUPPORTED = -70;
    /// The host is unreachable.
    AddressUnreachable => ZX_ERR_ADDRESS_UNREACHABLE = -71;
    /// The address is in use.
    AddressInUse => ZX_ERR_ADDRESS_IN_USE = -72;
    /// The socket is not connected.
    NotConnected => ZX_ERR_NOT_CONNECTED = -73;
    /// The peer refused the connection.
    ConnectionRefused => ZX_ERR_CONNECTION_REFUSED = -74;
    /// The connection was reset.
    ConnectionReset => ZX_ERR_CONNECTION_RESET = -75;
    /// The connection was aborted.
    ConnectionAborted => ZX_ERR_CONNECTION_ABORTED = -76;
    /// The task was killed during the operation (vDSO-private).
    InternalIntrKilled => ZX_ERR_INTERNAL_INTR_KILLED = -502;
}

impl ZxError {
    /// The raw `zx_status_t` value.
    pub const fn as_raw(self) -> zx_status_t {
        self as zx_status_t
    }
}

impl From<ZxError> for zx_status_t {
    fn from(e: ZxError) -> zx_status_t {
        e.as_raw()
    }
}

impl core::fmt::Display for ZxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The Zircon name of a raw status: `"ZX_OK"`, `"ZX_ERR_..."`, or
/// [`UNKNOWN_STATUS_NAME`] for any other value.
pub const fn status_name(status: zx_status_t) -> &'static str {
    if status == ZX_OK {
        return "ZX_OK";
    }
    match ZxError::from_raw(status) {
        Some(e) => e.name(),
        None => UNKNOWN_STATUS_NAME,
    }
}

/// Collapse a result into the raw status a system call returns.
pub const fn result_to_status(r: ZxResult) -> zx_status_t {
    match r {
        Ok(()) => ZX_OK,
        Err(e) => e.as_raw(),
    }
}

/// Turn a raw status into a result. `ZX_OK` and positive values are `Ok`
/// (a few calls return counts); a negative value Zircon does not define maps
/// to [`ZxError::Internal`], so callers never see an unnamed error.
pub const fn status_to_result(status: zx_status_t) -> ZxResult {
    if status >= 0 {
        return Ok(());
    }
    match ZxError::from_raw(status) {
        Some(e) => Err(e),
        None => Err(ZxError::Internal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_zircon() {
        let expected: &[(zx_status_t, &str)] = &[
            (-1, "ZX_ERR_INTERNAL"),
            (-2, "ZX_ERR_NOT_SUPPORTED"),
            (-3, "ZX_ERR_NO_RESOURCES"),
            (-4, "ZX_ERR_NO_MEMORY"),
            (-6, "ZX_ERR_INTERNAL_INTR_RETRY"),
            (-10, "ZX_ERR_INVALID_ARGS"),
            (-11, "ZX_ERR_BAD_HANDLE"),
            (-12, "ZX_ERR_WRONG_TYPE"),
            (-13, "ZX_ERR_BAD_SYSCALL"),
            (-14, "ZX_ERR_OUT_OF_RANGE"),
            (-15, "ZX_ERR_BUFFER_TOO_SMALL"),
            (-20, "ZX_ERR_BAD_STATE"),
            (-21, "ZX_ERR_TIMED_OUT"),
            (-22, "ZX_ERR_SHOULD_WAIT"),
            (-23, "ZX_ERR_CANCELED"),
            (-24, "ZX_ERR_PEER_CLOSED"),
            (-25, "ZX_ERR_NOT_FOUND"),
            (-26, "ZX_ERR_ALREADY_EXISTS"),
            (-27, "ZX_ERR_ALREADY_BOUND"),
            (-28, "ZX_ERR_UNAVAILABLE"),
            (-30, "ZX_ERR_ACCESS_DENIED"),
            (-40, "ZX_ERR_IO"),
            (-41, "ZX_ERR_IO_REFUSED"),
            (-42, "ZX_ERR_IO_DATA_INTEGRITY"),
            (-43, "ZX_ERR_IO_DATA_LOSS"),
            (-44, "ZX_ERR_IO_NOT_PRESENT"),
            (-45, "ZX_ERR_IO_OVERRUN"),
            (-46, "ZX_ERR_IO_MISSED_DEADLINE"),
            (-47, "ZX_ERR_IO_INVALID"),
            (-50, "ZX_ERR_BAD_PATH"),
            (-51, "ZX_ERR_NOT_DIR"),
            (-52, "ZX_ERR_NOT_FILE"),
            (-53, "ZX_ERR_FILE_BIG"),
            (-54, "ZX_ERR_NO_SPACE"),
            (-55, "ZX_ERR_NOT_EMPTY"),
            (-60, "ZX_ERR_STOP"),
            (-61, "ZX_ERR_NEXT"),
            (-62, "ZX_ERR_ASYNC"),
            (-70, "ZX_ERR_PROTOCOL_NOT_SUPPORTED"),
            (-71, "ZX_ERR_ADDRESS_UNREACHABLE"),
            (-72, "ZX_ERR_ADDRESS_IN_USE"),
            (-73, "ZX_ERR_NOT_CONNECTED"),
            (-74, "ZX_ERR_CONNECTION_REFUSED"),
            (-75, "ZX_ERR_CONNECTION_RESET"),
            (-76, "ZX_ERR_CONNECTION_ABORTED"),
            (-502, "ZX_ERR_INTERNAL_INTR_KILLED"),
        ];
        assert_eq!(expected.len(), ZxError::ALL.len());
        for (&(raw, name), e) in expected.iter().zip(ZxError::ALL) {
            assert_eq!(e.as_raw(), raw);
            assert_eq!(e.name(), name);
            assert_eq!(status_name(raw), name);
        }
        assert_eq!(ZX_ERR_BAD_HANDLE, -11);
        assert_eq!(ZX_ERR_CONNECTION_ABORTED, -76);
    }

    #[test]
    fn names_round_trip() {
        for e in ZxError::ALL {
            assert_eq!(ZxError::from_raw(e.as_raw()), Some(e));
            assert_eq!(status_name(e.as_raw()), e.name());
            assert!(e.name().starts_with("ZX_ERR_"));
            assert!(e.as_raw() < 0);
        }
        assert_eq!(status_name(ZX_OK), "ZX_OK");
    }

    #[test]
    fn unknown_values() {
        for raw in [1, -5, -7, -29, -100, i32::MIN, i32::MAX] {
            assert_eq!(ZxError::from_raw(raw), None);
            assert_eq!(status_name(raw), UNKNOWN_STATUS_NAME);
        }
        assert_eq!(ZxError::from_raw(ZX_OK), None);
    }

    #[test]
    fn result_conversions() {
        assert_eq!(result_to_status(Ok(())), ZX_OK);
        assert_eq!(result_to_status(Err(ZxError::PeerClosed)), ZX_ERR_PEER_CLOSED);
        assert_eq!(status_to_result(ZX_OK), Ok(()));
        assert_eq!(status_to_result(ZX_ERR_TIMED_OUT), Err(ZxError::TimedOut));
        assert_eq!(status_to_result(-5), Err(ZxError::Internal));
        assert_eq!(i32::from(ZxError::AccessDenied), -30);
    }

    #[test]
    fn values_are_unique() {
        for (i, a) in ZxError::ALL.iter().enumerate() {
            for b in &ZxError::ALL[i + 1..] {
                assert_ne!(a.as_raw(), b.as_raw());
            }
        }
    }
}
