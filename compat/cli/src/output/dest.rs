//! Where formatted output goes (does I/O): stdout or a file given with
//! `--output-to`, buffered like C stdio (4 KiB blocks when not a terminal,
//! lines on a terminal). Write errors never panic: the first one is kept,
//! later writes are skipped, and the caller decides at the end (a closed
//! pipe makes the tool exit quietly).

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, LineWriter, Stdout, Write};

enum Sink {
    Stdout(BufWriter<Stdout>),
    Terminal(LineWriter<Stdout>),
    File(BufWriter<File>),
    /// Output discarded (tests, the "none" format's file).
    Null,
    /// Output collected in memory (tests).
    Memory(Vec<u8>),
}

/// An output destination.
pub struct Dest {
    sink: Sink,
    error: Option<io::Error>,
    is_stdout: bool,
}

/// C stdio's block size for pipes and files.
const BLOCK: usize = 4096;

impl Dest {
    /// `-` or no name: stdout; anything else: the file, created or truncated
    /// (`fopen(name, "w")`).
    pub fn open(name: Option<&OsStr>) -> io::Result<Dest> {
        match name {
            None => Ok(Dest::stdout()),
            Some(n) if n == "-" => Ok(Dest::stdout()),
            Some(n) => Ok(Dest {
                sink: Sink::File(BufWriter::with_capacity(BLOCK, File::create(n)?)),
                error: None,
                is_stdout: false,
            }),
        }
    }

    /// Standard output.
    pub fn stdout() -> Dest {
        let out = io::stdout();
        let sink = if out.is_terminal() {
            Sink::Terminal(LineWriter::new(out))
        } else {
            Sink::Stdout(BufWriter::with_capacity(BLOCK, out))
        };
        Dest {
            sink,
            error: None,
            is_stdout: true,
        }
    }

    /// An in-memory destination, for tests; read it back with [`Dest::contents`].
    pub fn memory() -> Dest {
        Dest {
            sink: Sink::Memory(Vec::new()),
            error: None,
            is_stdout: false,
        }
    }

    /// A destination that drops everything.
    pub fn null() -> Dest {
        Dest {
            sink: Sink::Null,
            error: None,
            is_stdout: false,
        }
    }

    /// Whether this is standard output (progress dots only go there).
    pub fn is_stdout(&self) -> bool {
        self.is_stdout
    }

    /// What a memory destination holds.
    pub fn contents(&self) -> &[u8] {
        match &self.sink {
            Sink::Memory(v) => v,
            _ => &[],
        }
    }

    /// Write bytes, remembering the first failure and skipping writes after it.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let result = match &mut self.sink {
            Sink::Stdout(w) => w.write_all(bytes),
            Sink::Terminal(w) => w.write_all(bytes),
            Sink::File(w) => w.write_all(bytes),
            Sink::Null => Ok(()),
            Sink::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Flush buffered bytes (`fflush()`).
    pub fn flush(&mut self) {
        if self.error.is_some() {
            return;
        }
        let result = match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::Terminal(w) => w.flush(),
            Sink::File(w) => w.flush(),
            Sink::Null | Sink::Memory(_) => Ok(()),
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// The first write error, if any.
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }
}

impl Drop for Dest {
    fn drop(&mut self) {
        self.flush();
    }
}
