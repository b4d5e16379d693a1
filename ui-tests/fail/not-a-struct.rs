// the attribute on a function
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
fn connect() {}

fn main() {}
