//! Shared machinery for the command-line tools (option parsing, output formats).
