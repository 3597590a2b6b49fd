//! Texts for libbz2 return values, as Pacemaker logs them when (de)compressing
//! large IPC and CPG messages.

/// The description of a libbz2 return value (`BZ_OK`, `BZ_DATA_ERROR`, ...).
#[doc(alias = "bz2_strerror")]
pub fn strerror(rc: i32) -> &'static str {
    match rc {
        // BZ_OK, BZ_RUN_OK, BZ_FLUSH_OK, BZ_FINISH_OK, BZ_STREAM_END
        0..=4 => "Ok",
        -9 => "libbz2 has been improperly compiled on your platform",
        -1 => "library functions called in the wrong order",
        -2 => "parameter is out of range or otherwise incorrect",
        -3 => "memory allocation failed",
        -4 => "data integrity error is detected during decompression",
        -5 => "the compressed stream does not start with the correct magic bytes",
        -6 => "error reading or writing in the compressed file",
        -7 => "compressed file finishes before the logical end of stream is detected",
        -8 => "output data will not fit into the buffer provided",
        _ => "Data compression error",
    }
}
