#[doc = " keep-alive: idle 2h, then a probe every 1s, 5 probes; an idle dead peer is detected within 2h 5s."]
struct Conn {
    stream: std::net::TcpStream,
}
::keepalive_runtime::__private::impls! { Conn [stream] [std :: net :: TcpStream] (true , 7200000 , 1000 , 5 , 0) BeforeConnect [] }
#[cfg(target_os = "openbsd")]
const _: () = ::keepalive_runtime::__private::refuse::<Conn>();
