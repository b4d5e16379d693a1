// a control stream beside a media datagram socket, and beside a type of the user's merely named Socket
use keepalive_runtime::prelude::*;
use std::net::{TcpStream, UdpSocket};

mod sound {
    pub struct Socket;
}

#[keepalive(timeout = "30s")]
struct Call {
    control: TcpStream,
    media: UdpSocket,
}

#[keepalive(timeout = "30s")]
struct Device {
    speaker: sound::Socket,
    link: TcpStream,
}

fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let call = Call {
        control: TcpStream::connect(addr).unwrap(),
        media: UdpSocket::bind("127.0.0.1:0").unwrap(),
    };
    keepalive_runtime::apply(call.socket().unwrap(), Call::policy()).unwrap();
    let device = Device { speaker: sound::Socket, link: TcpStream::connect(addr).unwrap() };
    keepalive_runtime::apply(device.socket().unwrap(), Device::policy()).unwrap();
}
