// a line client that keeps one buffered reader (std) or buffered stream (tokio) for its life
use keepalive_runtime::{KeepAlive, keepalive};
use std::io::{BufReader, BufWriter};

#[keepalive(timeout = "30s")]
struct LineClient {
    reader: BufReader<std::net::TcpStream>,
}

#[keepalive(timeout = "30s")]
struct Writer {
    writer: BufWriter<std::net::TcpStream>,
}

#[keepalive(timeout = "30s")]
struct AsyncReader {
    reader: tokio::io::BufReader<tokio::net::TcpStream>,
}

#[keepalive(timeout = "30s")]
struct AsyncWriter {
    writer: tokio::io::BufWriter<tokio::net::TcpStream>,
}

#[keepalive(timeout = "30s")]
struct AsyncBoth {
    stream: tokio::io::BufStream<tokio::net::TcpStream>,
}

fn socket<C: KeepAlive>() {}

fn main() {
    socket::<LineClient>();
    socket::<Writer>();
    socket::<AsyncReader>();
    socket::<AsyncWriter>();
    socket::<AsyncBoth>();
}
