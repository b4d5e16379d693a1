//! A hyper-util server (`server::conn::auto`, HTTP/1 and HTTP/2) whose accepted
//! connections carry a policy type. `cargo run --example hyper_server --features hyper-util`
//! serves one connection on 127.0.0.1 and prints what the kernel holds for it.

use std::convert::Infallible;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use keepalive_runtime::async_tokio;
use keepalive_runtime::prelude::*;
use keepalive_runtime::status::read_back;

#[keepalive(timeout = "60s", interval = "10s", retries = 3, user_timeout = "90s")]
struct Clients;

async fn hello(
    _: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<String>, Infallible> {
    Ok(hyper::Response::new("hello\n".to_owned()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Set once on the listener: accepted sockets inherit it (Linux, Windows, the BSDs);
    // its accept sets again what Apple systems do not copy.
    let listener = async_tokio::Listener::bind("127.0.0.1:0", Clients::policy()).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}/");

    // A client of our own, so the example ends by itself.
    let client = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: example\r\nconnection: close\r\n\r\n")
            .await?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await?;
        Ok::<_, std::io::Error>(reply)
    });

    let (stream, peer) = listener.accept().await?;
    println!(
        "accepted {peer}:\n{}",
        read_back(&stream, &Clients::POLICY)?
    );
    auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service_fn(hello))
        .await
        .map_err(|e| e.to_string())?;

    print!("{}", client.await??);
    Ok(())
}
