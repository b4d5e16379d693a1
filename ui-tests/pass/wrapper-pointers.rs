// a connection that owns its stream through Box, or shares it through Arc or Rc
use keepalive_runtime::{KeepAlive, keepalive};
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::Arc;

#[keepalive(timeout = "30s")]
struct Boxed {
    stream: Box<TcpStream>,
}

#[keepalive(timeout = "30s")]
struct SharedAcrossThreads {
    stream: Arc<TcpStream>,
    name: String,
}

#[keepalive(timeout = "30s")]
struct SharedInThread(Rc<tokio::net::TcpStream>);

fn socket<C: KeepAlive>() {}

fn main() {
    socket::<Boxed>();
    socket::<SharedAcrossThreads>();
    socket::<SharedInThread>();
}
