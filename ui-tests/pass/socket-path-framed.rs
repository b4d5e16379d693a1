// a codec frame around a tokio stream, reached through Framed::get_ref
use keepalive_runtime::prelude::*;
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, LinesCodec};

#[keepalive(timeout = "30s", interval = "5s", retries = 4)]
struct LineConn {
    #[keepalive(socket = Framed::get_ref)]
    frames: Framed<TcpStream, LinesCodec>,
}

fn socket<C: KeepAlive>() {}

fn main() {
    socket::<LineConn>();
    let _ = |conn: &LineConn| Ok::<_, keepalive_runtime::Error>(keepalive_runtime::apply(conn.socket()?, LineConn::policy())?);
}
