//! Pacemaker's policy engine: CIB + time in, transition graph out (no I/O)
