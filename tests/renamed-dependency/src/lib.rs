//! The attribute under a renamed dependency: the generated code finds the runtime by the
//! name this crate's Cargo.toml gives it (`ka`), with no `crate = "..."`.

#[cfg(test)]
mod tests {
    use ka::prelude::*;

    #[keepalive(timeout = "2h", interval = "1s", retries = 5)]
    struct Conn {
        stream: std::net::TcpStream,
    }

    #[test]
    fn readme_example() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let conn = Conn {
            stream: ka::connect(server.local_addr().unwrap(), Conn::policy())
                .unwrap()
                .stream,
        };
        assert!(conn.keepalive_report().unwrap().all_match());
        assert_eq!(Conn::POLICY.retries(), Some(5));
    }
}
