// a struct built by the user's macro_rules!, whose marked socket field is a UdpSocket alias
use keepalive_runtime::keepalive;

type Transport = std::net::UdpSocket;

macro_rules! conn {
    ($name:ident, $ty:ty) => {
        #[keepalive(timeout = "30s")]
        struct $name {
            #[keepalive(socket)]
            socket: $ty,
        }
    };
}

conn!(Conn, Box<Transport>);

fn main() {}
