//! Integration tests on real sockets live in `tests/`.
