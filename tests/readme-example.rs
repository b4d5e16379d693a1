// The README's first example, as each edition crate (tests/edition-*) compiles it.
#[cfg(test)]
mod tests {
    use keepalive_runtime::connect;
    use keepalive_runtime::prelude::*;

    #[keepalive(timeout = "2h", interval = "1s", retries = 5)]
    struct Conn {
        stream: std::net::TcpStream,
    }

    #[test]
    fn readme_example() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let conn = Conn {
            stream: connect(addr, Conn::policy()).unwrap().stream,
        };
        assert!(
            conn.keepalive_report().unwrap().all_match(),
            "{:?}",
            conn.keepalive_report()
        );
    }
}
