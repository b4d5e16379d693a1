// the field marker written by its full path, and through a renamed import
use keepalive_runtime::KeepAlive;
use keepalive_runtime::keepalive as ka;

type Io = std::net::TcpStream;

#[ka(timeout = "30s")]
struct Conn {
    #[keepalive_runtime::keepalive(socket)]
    stream: Io,
}

#[ka(timeout = "30s")]
struct Renamed {
    #[ka(socket)]
    stream: Io,
}

fn main() {
    fn socket<C: KeepAlive>() {}
    socket::<Conn>();
    socket::<Renamed>();
}
