//! Codecs for Totem SRP, totempg, sync and service messages (no I/O)
