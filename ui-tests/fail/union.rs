// the attribute on a union
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
union Conn {
    fd: i32,
    raw: u32,
}

fn main() {}
