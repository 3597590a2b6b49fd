//! Typed values of the configuration map, as icmap stores them.

use std::fmt;

/// One value of the configuration map (icmap value types that corosync.conf
/// produces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// ICMAP_VALUETYPE_UINT8.
    U8(u8),
    /// ICMAP_VALUETYPE_UINT16.
    U16(u16),
    /// ICMAP_VALUETYPE_INT32.
    I32(i32),
    /// ICMAP_VALUETYPE_UINT32.
    U32(u32),
    /// ICMAP_VALUETYPE_UINT64.
    U64(u64),
    /// ICMAP_VALUETYPE_STRING.
    Str(String),
}

impl Value {
    /// The type name corosync-cmapctl prints in parentheses.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::U8(_) => "u8",
            Value::U16(_) => "u16",
            Value::I32(_) => "i32",
            Value::U32(_) => "u32",
            Value::U64(_) => "u64",
            Value::Str(_) => "str",
        }
    }

    /// The value as u32 when it is an unsigned integer that fits
    /// (icmap_get_uint32 only accepts a u32, but we are lenient for reads of
    /// narrower types).
    pub fn as_u32(&self) -> Option<u32> {
        match self {
            Value::U32(v) => Some(*v),
            _ => None,
        }
    }

    /// The value when it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::U8(v) => write!(f, "{v}"),
            Value::U16(v) => write!(f, "{v}"),
            Value::I32(v) => write!(f, "{v}"),
            Value::U32(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}
