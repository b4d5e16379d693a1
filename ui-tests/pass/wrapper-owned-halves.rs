// a reader task and a writer task, each holding one owned half of a tokio stream
use keepalive_runtime::{KeepAlive, keepalive};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

#[keepalive(timeout = "30s")]
struct Reader {
    half: OwnedReadHalf,
}

#[keepalive(timeout = "30s")]
struct Writer {
    half: tokio::io::BufWriter<OwnedWriteHalf>,
}

fn socket<C: KeepAlive<Socket = TcpStream>>() {}

fn main() {
    socket::<Reader>();
    socket::<Writer>();
}
