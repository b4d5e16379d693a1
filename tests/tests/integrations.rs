//! The integrations, tested on the sockets the libraries create themselves: each test makes
//! connections through hyper-util, axum, tonic or reqwest on loopback, finds that
//! library's socket under `/proc/self/fd`, and reads the five options back with raw
//! getsockopt. The failure paths make the kernel refuse one option with a seccomp filter
//! on the test's own thread.
#![cfg(target_os = "linux")]

use crate::support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use keepalive_runtime::prelude::*;
use keepalive_runtime::socket::{ConnectPolicy, ListenPolicy};
use keepalive_runtime::{CheckedPolicy, PolicyOverride};
use support::{Kernel, defaults_on, kernel};

/// Every knob written; the user timeout agrees with timeout + interval × retries.
#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
struct Api;

fn api_kernel() -> Kernel {
    Kernel {
        keepalive: true,
        idle_s: 30,
        intvl_s: 5,
        cnt: 4,
        user_timeout_ms: 50_000,
    }
}

/// Only the idle time written: the other knobs stay as the OS has them.
#[keepalive(timeout = "45s")]
struct IdleOnly;

/// `Api` changed at run time, as a configuration file or the environment would change it:
/// a 20 s idle time and the user timeout that agrees with it, held to `Api`'s rules.
fn api_from_config() -> CheckedPolicy<Api> {
    let mut change = PolicyOverride::new();
    change.set("timeout", "20s").unwrap();
    change.set("user_timeout", "40s").unwrap();
    Api::policy_with(&change).unwrap()
}

fn api_from_config_kernel() -> Kernel {
    Kernel {
        idle_s: 20,
        user_timeout_ms: 40_000,
        ..api_kernel()
    }
}

fn idle_only_kernel() -> Kernel {
    Kernel {
        idle_s: 45,
        ..defaults_on()
    }
}

/// A loopback HTTP/1.1 server on a thread of its own, plain std: answers every request on
/// a connection with `200 ok` and keeps the connection open. Serves `connections`
/// connections, then stops.
fn http_server(connections: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if stream.write_all(reply).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// Sends one request to the server at `addr` over a plain client socket and checks the
/// `200` answer: the client socket, still open, and the one socket the server accepted.
async fn one_request(addr: SocketAddr) -> (tokio::net::TcpStream, support::Found) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = client.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    let mut accepted = support::accepted_on(addr);
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    (client, accepted.remove(0))
}

/// Asserts that `err` names `option` as the one the kernel refused, with EPERM (what
/// `support::with_tcp_option_refused` makes it answer).
fn assert_refused_with_eperm(err: &keepalive_runtime::Error, option: &str) {
    assert_eq!(err.option(), Some(option), "{err:?}");
    assert_eq!(
        err.io_error().and_then(|e| e.raw_os_error()),
        Some(libc::EPERM)
    );
}

/// Asserts that no socket of this process is connected to `server`: a connection whose
/// setup failed was closed, not handed on half-configured.
fn assert_no_connection_to(server: SocketAddr) {
    assert!(
        support::inet_sockets()
            .iter()
            .all(|s| s.peer != Some(server)),
        "a connection to {server} is still open"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

mod hyper_util_client {
    use super::*;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use keepalive_runtime::Error;
    use keepalive_runtime::integrations::hyper_util::{ConnectError, Connector};

    /// GETs `/` from `server` through `connector`, then runs `check` while the client
    /// (and so its pooled connection) is still alive.
    fn get<P: ConnectPolicy + 'static, T>(
        connector: Connector<P>,
        server: SocketAddr,
        check: impl FnOnce(http::Response<hyper::body::Incoming>) -> T,
    ) -> Result<T, hyper_util::client::legacy::Error> {
        runtime().block_on(async {
            let client: Client<_, String> = Client::builder(TokioExecutor::new()).build(connector);
            let uri = format!("http://{server}/").parse().unwrap();
            let response = client.get(uri).await?;
            Ok(check(response))
        })
    }

    #[test]
    fn every_connection_carries_the_policy() {
        let server = http_server(1);
        get(Connector::new(Api::policy()), server, |response| {
            assert_eq!(response.status(), 200);
            assert_eq!(kernel(&support::connected_to(server).fd), api_kernel());
        })
        .unwrap();
    }

    #[test]
    fn omitted_knobs_stay_as_the_os_has_them() {
        let server = http_server(1);
        get(Connector::new(IdleOnly::policy()), server, |response| {
            assert_eq!(response.status(), 200);
            assert_eq!(
                kernel(&support::connected_to(server).fd),
                idle_only_kernel()
            );
        })
        .unwrap();
    }

    #[test]
    fn the_wrapped_connector_keeps_its_own_settings() {
        let server = http_server(1);
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.set_local_address(Some("127.0.0.2".parse().unwrap()));
        get(Connector::wrap(http, Api::policy()), server, |response| {
            assert_eq!(response.status(), 200);
            let found = support::connected_to(server);
            assert_eq!(found.local.ip().to_string(), "127.0.0.2");
            let nodelay =
                support::getsockopt_int(&found.fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap();
            assert_eq!(nodelay, 1);
            assert_eq!(kernel(&found.fd), api_kernel());
            // HttpInfo, which hyper-util adds to each response's extensions, is still there.
            let info = response
                .extensions()
                .get::<hyper_util::client::legacy::connect::HttpInfo>()
                .expect("HttpInfo");
            assert_eq!(info.remote_addr(), server);
        })
        .unwrap();
    }

    /// A connector of one's own whose connections are tokio streams.
    #[derive(Clone)]
    struct Plain;

    impl tower_service::Service<http::Uri> for Plain {
        type Response = tokio::net::TcpStream;
        type Error = std::io::Error;
        type Future =
            std::pin::Pin<Box<dyn Future<Output = std::io::Result<tokio::net::TcpStream>> + Send>>;

        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn call(&mut self, uri: http::Uri) -> Self::Future {
            let addr = uri.authority().unwrap().to_string();
            Box::pin(tokio::net::TcpStream::connect(addr))
        }
    }

    #[test]
    fn any_connector_whose_connections_expose_their_stream() {
        use tower_service::Service;
        let server = http_server(1);
        runtime().block_on(async {
            let mut connector = Connector::wrap(Plain, Api::policy());
            let uri = format!("http://{server}/").parse().unwrap();
            let stream = connector.call(uri).await.unwrap();
            assert_eq!(kernel(&stream), api_kernel());
        });
    }

    #[test]
    fn a_run_time_policy_reaches_every_connection_of_a_connector_with_its_own_resolver() {
        use hyper_util::client::legacy::connect::dns::GaiResolver;
        let server = http_server(1);
        let http = HttpConnector::new_with_resolver(GaiResolver::new());
        runtime().block_on(async {
            let client: Client<_, String> = Client::builder(TokioExecutor::new())
                .build(Connector::wrap(http, api_from_config()));
            let uri = format!("http://{server}/").parse().unwrap();
            let response = client.get(uri).await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(
                kernel(&support::connected_to(server).fd),
                api_from_config_kernel()
            );
        });
    }

    #[test]
    fn a_refused_option_fails_the_connect_with_the_typed_error() {
        let server = http_server(1);
        let err = support::with_tcp_option_refused(libc::TCP_KEEPCNT, libc::EPERM, move || {
            get(Connector::new(Api::policy()), server, drop).unwrap_err()
        });
        let refused: &Error = ConnectError::find(&err).unwrap_or_else(|| panic!("{err:?}"));
        assert_refused_with_eperm(refused, "TCP_KEEPCNT");
        assert_no_connection_to(server);
    }
}

mod hyper_util_server {
    use super::*;
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    use keepalive_runtime::socket::ListenPolicy;
    use keepalive_runtime::{Error, apply, async_tokio};

    /// The accept loop of the `hyper_server` example: the listener configured with `P`,
    /// each accepted connection served by hyper-util's `auto` builder. Returns the
    /// accepted socket's options, read while a request is answered on it.
    fn serve_one<P: ListenPolicy + 'static>() -> Kernel {
        runtime().block_on(async {
            let listener = async_tokio::Listener::bind("127.0.0.1:0", P::policy())
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    tokio::spawn(async move {
                        let hello = service_fn(|_| async {
                            let ok = http::Response::new("ok".to_owned());
                            Ok::<_, std::convert::Infallible>(ok)
                        });
                        auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), hello)
                            .await
                    });
                }
            });
            let (_client, accepted) = one_request(addr).await;
            kernel(&accepted.fd)
        })
    }

    #[test]
    fn accepted_connections_carry_the_policy() {
        assert_eq!(serve_one::<Api>(), api_kernel());
    }

    #[test]
    fn omitted_knobs_stay_as_the_os_has_them() {
        assert_eq!(serve_one::<IdleOnly>(), idle_only_kernel());
    }

    #[test]
    fn a_refused_option_fails_the_listener_setup_with_the_typed_error() {
        // Linux copies the listener's options to each accepted socket: they are set once,
        // on the listener, and a refusal surfaces there, before any connection is served.
        let err = support::with_tcp_option_refused(libc::TCP_KEEPIDLE, libc::EPERM, || {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            apply(&listener, Api::policy()).unwrap_err()
        });
        assert!(matches!(err, Error::Set { .. }), "{err:?}");
        assert_refused_with_eperm(&err, "TCP_KEEPIDLE");
    }
}

mod axum_serve {
    use super::*;
    use axum::{Router, routing::get};
    use keepalive_runtime::Error;
    use keepalive_runtime::integrations::axum::Listener;

    /// Serves `/` through axum on a listener built from `P`, sends one request over a
    /// plain client socket and returns the accepted socket's options, read while the
    /// connection is open, beside the client socket's.
    fn serve_one<P: ListenPolicy + 'static>(policy: CheckedPolicy<P>) -> (Kernel, Kernel) {
        runtime().block_on(async {
            let listener = Listener::bind("127.0.0.1:0", policy).await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = Router::new().route("/", get(|| async { "ok" }));
            tokio::spawn(async move { axum::serve(listener, app).await });

            let (client, accepted) = one_request(addr).await;
            (kernel(&accepted.fd), kernel(&client))
        })
    }

    #[test]
    fn accepted_sockets_carry_the_policy() {
        let (accepted, client) = serve_one(Api::policy());
        assert_eq!(accepted, api_kernel());
        // The policy is the server's: the client's own socket is untouched.
        assert!(!client.keepalive);
    }

    #[test]
    fn omitted_knobs_stay_as_the_os_has_them() {
        assert_eq!(serve_one(IdleOnly::policy()).0, idle_only_kernel());
    }

    #[test]
    fn a_run_time_policy_reaches_the_accepted_sockets() {
        assert_eq!(serve_one(api_from_config()).0, api_from_config_kernel());
    }

    #[test]
    fn an_accept_error_reaches_the_handler_instead_of_vanishing() {
        // In a process of its own: the descriptor table is full there.
        support::alone(
            module_path!(),
            "an_accept_error_reaches_the_handler_instead_of_vanishing",
            &[],
            accept_error_reaches_the_handler,
        );
    }

    fn accept_error_reaches_the_handler() {
        runtime().block_on(async {
            let (seen, mut saw) = tokio::sync::mpsc::unbounded_channel();
            let listener = Listener::bind("127.0.0.1:0", Api::policy())
                .await
                .unwrap()
                .on_accept_error(move |e| {
                    let _ = seen.send(e.to_string());
                });
            let addr = listener.local_addr().unwrap();
            let _client = std::net::TcpStream::connect(addr).unwrap();
            // Every descriptor the limit allows taken, so the accept has none left.
            let mut hold = Vec::new();
            while let Ok(file) = std::fs::File::open("/dev/null") {
                hold.push(file);
            }
            let app = Router::new().route("/", get(|| async { "ok" }));
            tokio::spawn(async move { axum::serve(listener, app).await });
            let message = tokio::time::timeout(Duration::from_secs(10), saw.recv())
                .await
                .expect("no accept error within 10 s")
                .unwrap();
            drop(hold);
            println!("handler saw: {message}");
            assert!(message.contains("Too many open files"), "{message}");
        });
    }

    #[test]
    fn a_refused_option_fails_the_bind_with_the_typed_error() {
        // Linux copies the listener's options to each accepted socket, so the options are
        // set once, on the listener, and that is where a refusal surfaces.
        let err = support::with_tcp_option_refused(libc::TCP_KEEPINTVL, libc::EPERM, || {
            runtime()
                .block_on(Listener::bind("127.0.0.1:0", Api::policy()))
                .unwrap_err()
        });
        assert!(matches!(err, Error::Set { .. }), "{err:?}");
        assert_refused_with_eperm(&err, "TCP_KEEPINTVL");
    }
}

/// A gRPC service written by hand with tonic's codec (no protoc here): unary echo of raw
/// bytes at `/keepalive.Echo/Echo`.
pub(crate) mod echo {
    use std::convert::Infallible;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use bytes::{Buf, BufMut};
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
    use tonic::{Request, Response, Status};

    pub(crate) const PATH: &str = "/keepalive.Echo/Echo";

    /// Messages are their bytes, as they are.
    #[derive(Debug, Clone, Copy, Default)]
    pub(crate) struct Raw;

    impl Codec for Raw {
        type Encode = Vec<u8>;
        type Decode = Vec<u8>;
        type Encoder = Raw;
        type Decoder = Raw;
        fn encoder(&mut self) -> Raw {
            Raw
        }
        fn decoder(&mut self) -> Raw {
            Raw
        }
    }

    impl Encoder for Raw {
        type Item = Vec<u8>;
        type Error = Status;
        fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
            dst.put_slice(&item);
            Ok(())
        }
    }

    impl Decoder for Raw {
        type Item = Vec<u8>;
        type Error = Status;
        fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
            Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
        }
    }

    struct Unary;

    impl tonic::server::UnaryService<Vec<u8>> for Unary {
        type Response = Vec<u8>;
        type Future = std::future::Ready<Result<Response<Vec<u8>>, Status>>;
        fn call(&mut self, request: Request<Vec<u8>>) -> Self::Future {
            std::future::ready(Ok(Response::new(request.into_inner())))
        }
    }

    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Echo;

    type Reply = http::Response<tonic::body::Body>;

    impl tower_service::Service<http::Request<tonic::body::Body>> for Echo {
        type Response = Reply;
        type Error = Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Reply, Infallible>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
            Box::pin(async move {
                if request.uri().path() != PATH {
                    return Ok(Status::unimplemented("only Echo").into_http());
                }
                Ok(tonic::server::Grpc::new(Raw).unary(Unary, request).await)
            })
        }
    }

    /// One echo call over `channel`, which must come back as sent.
    pub(crate) async fn ping(channel: tonic::transport::Channel) {
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.unwrap();
        let reply = grpc
            .unary(
                Request::new(b"ping".to_vec()),
                http::uri::PathAndQuery::from_static(PATH),
                Raw,
            )
            .await
            .unwrap();
        assert_eq!(reply.into_inner(), b"ping");
    }

    /// A tonic server for [`Echo`] on loopback; its address.
    pub(crate) fn serve() -> std::net::SocketAddr {
        let incoming =
            tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = incoming.local_addr().unwrap();
        tokio::spawn(tonic::transport::Server::builder().serve_with_incoming(Echo, incoming));
        addr
    }
}

mod tonic_channel {
    use super::*;
    use keepalive_runtime::Error;
    use keepalive_runtime::integrations::hyper_util::ConnectError;
    use keepalive_runtime::integrations::tonic::connector;
    use tonic::transport::{Channel, Endpoint};

    /// Connects a channel carrying `P` to a fresh echo server: the server's address and
    /// the connect's outcome.
    async fn channel<P: ConnectPolicy + 'static>(
        policy: CheckedPolicy<P>,
        endpoint: impl FnOnce(Endpoint) -> Endpoint,
    ) -> (SocketAddr, Result<Channel, tonic::transport::Error>) {
        let addr = echo::serve();
        let endpoint = endpoint(Endpoint::from_shared(format!("http://{addr}")).unwrap());
        let connector = connector(&endpoint, policy).unwrap();
        (addr, endpoint.connect_with_connector(connector).await)
    }

    #[test]
    fn the_channel_connection_carries_the_policy() {
        runtime().block_on(async {
            let (server, channel) = channel(Api::policy(), |e| e).await;
            echo::ping(channel.unwrap()).await;

            let found = support::connected_to(server);
            assert_eq!(kernel(&found.fd), api_kernel());
            // tonic's own default, carried over from the endpoint.
            let nodelay =
                support::getsockopt_int(&found.fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap();
            assert_eq!(nodelay, 1);
        });
    }

    #[test]
    fn omitted_knobs_stay_as_the_os_has_them() {
        runtime().block_on(async {
            let (server, channel) = channel(IdleOnly::policy(), |e| e.tcp_nodelay(false)).await;
            let _channel = channel.unwrap();
            let found = support::connected_to(server);
            assert_eq!(kernel(&found.fd), idle_only_kernel());
            let nodelay =
                support::getsockopt_int(&found.fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap();
            assert_eq!(nodelay, 0);
        });
    }

    #[test]
    fn a_refused_option_fails_the_connect_with_the_typed_error() {
        let (server, err) =
            support::with_tcp_option_refused(libc::TCP_USER_TIMEOUT, libc::EPERM, || {
                runtime().block_on(async {
                    let (server, channel) = channel(Api::policy(), |e| e).await;
                    (server, channel.unwrap_err())
                })
            });
        let refused: &Error = ConnectError::find(&err).unwrap_or_else(|| panic!("{err:?}"));
        assert_refused_with_eperm(refused, "TCP_USER_TIMEOUT");
        assert_no_connection_to(server);
    }

    #[test]
    fn a_run_time_policy_reaches_the_channel_connection() {
        runtime().block_on(async {
            let (server, channel) = channel(api_from_config(), |e| e).await;
            let _channel = channel.unwrap();
            let found = support::connected_to(server);
            assert_eq!(kernel(&found.fd), api_from_config_kernel());
        });
    }

    #[test]
    fn an_endpoint_with_keepalive_settings_of_its_own_is_refused() {
        let endpoint = Endpoint::from_static("http://127.0.0.1:1").tcp_keepalive_retries(Some(3));
        let err = connector(&endpoint, Api::policy()).unwrap_err();
        assert_eq!(err.setter(), "tcp_keepalive_retries");
        assert!(
            err.to_string()
                .contains("drop the `tcp_keepalive_retries` call"),
            "{err}"
        );
    }
}

mod tonic_server {
    use super::*;
    use keepalive_runtime::async_tokio::Listener;
    use keepalive_runtime::integrations::tonic::incoming;

    /// Serves the echo service through `incoming` on a listener carrying `policy`, makes
    /// one call over a plain tonic channel, and reads the server's accepted socket: its
    /// five options and TCP_NODELAY.
    fn serve_one(policy: CheckedPolicy<Api>, nodelay: Option<bool>) -> (Kernel, libc::c_int) {
        runtime().block_on(async {
            let listener = Listener::bind("127.0.0.1:0", policy).await.unwrap();
            let addr = listener.local_addr().unwrap();
            let stream = match nodelay {
                Some(on) => incoming(listener).with_nodelay(on),
                None => incoming(listener),
            };
            tokio::spawn(
                tonic::transport::Server::builder().serve_with_incoming(echo::Echo, stream),
            );
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect()
                .await
                .unwrap();
            echo::ping(channel).await;
            let mut accepted = support::accepted_on(addr);
            assert_eq!(accepted.len(), 1, "{accepted:?}");
            let fd = accepted.remove(0).fd;
            let nodelay =
                support::getsockopt_int(&fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap();
            (kernel(&fd), nodelay)
        })
    }

    #[test]
    fn accepted_connections_carry_the_policy_and_tonic_s_nodelay() {
        assert_eq!(serve_one(Api::policy(), None), (api_kernel(), 1));
    }

    #[test]
    fn a_run_time_policy_reaches_the_accepted_connections() {
        assert_eq!(
            serve_one(api_from_config(), None),
            (api_from_config_kernel(), 1)
        );
    }

    #[test]
    fn nodelay_can_be_turned_off_as_tonic_s_server_setting_can() {
        assert_eq!(serve_one(Api::policy(), Some(false)).1, 0);
    }
}

mod reqwest_client {
    use super::*;
    use keepalive_core::KnobValue;
    use keepalive_runtime::integrations::reqwest::{Change, Mapping, Unexpressible, configure};
    use keepalive_runtime::platform::Knob;

    /// GETs `/` from a fresh server with `builder`, then reads reqwest's pooled socket.
    fn kernel_after_get(builder: reqwest::ClientBuilder) -> Kernel {
        let server = http_server(1);
        runtime().block_on(async {
            let client = builder.no_proxy().build().unwrap();
            let response = client
                .get(format!("http://{server}/"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            kernel(&support::connected_to(server).fd)
        })
    }

    fn configured<P: ConnectPolicy>() -> (reqwest::ClientBuilder, Mapping) {
        let configured = configure(reqwest::Client::builder(), P::policy()).unwrap();
        let mapping = *configured.mapping();
        (configured.into_builder(), mapping)
    }

    #[test]
    fn reqwest_sets_defaults_of_its_own() {
        // What configure() clears: reqwest's own values, measured on its socket.
        let k = kernel_after_get(reqwest::Client::builder());
        assert_eq!(
            k,
            Kernel {
                keepalive: true,
                idle_s: 15,
                intvl_s: 15,
                cnt: 3,
                user_timeout_ms: 30_000,
            }
        );
    }

    #[test]
    fn every_written_knob_is_set() {
        let (builder, mapping) = configured::<Api>();
        assert_eq!(mapping.changes().count(), 0, "{mapping:?}");
        assert_eq!(kernel_after_get(builder), api_kernel());
    }

    #[test]
    fn reqwest_defaults_are_cleared_where_the_policy_leaves_the_os_its_value() {
        let (builder, mapping) = configured::<IdleOnly>();
        let cleared = |v| Some(Change::Cleared(v));
        assert_eq!(mapping.change(Knob::Timeout), None);
        assert_eq!(
            mapping.change(Knob::Interval),
            cleared(KnobValue::Time(Duration::from_secs(15)))
        );
        assert_eq!(mapping.change(Knob::Retries), cleared(KnobValue::Count(3)));
        assert_eq!(
            mapping.change(Knob::UserTimeout),
            cleared(KnobValue::Time(Duration::from_secs(30)))
        );
        let shown: Vec<String> = mapping.changes().map(|c| c.to_string()).collect();
        assert_eq!(
            shown[2],
            "user_timeout: reqwest's default of 30s cleared; the OS's value stands"
        );
        assert_eq!(kernel_after_get(builder), idle_only_kernel());
    }

    #[test]
    fn a_disabled_policy_leaves_keepalive_off() {
        #[keepalive(enabled = false)]
        struct Off;
        let (builder, mapping) = configured::<Off>();
        assert_eq!(mapping.changes().count(), 4);
        let k = kernel_after_get(builder);
        assert!(!k.keepalive);
        assert_eq!(k.user_timeout_ms, support::defaults().user_timeout_ms);
    }

    #[test]
    fn keepalive_with_the_os_timings_is_refused_not_turned_off() {
        #[keepalive]
        struct OsTimings;
        let err = configure(reqwest::Client::builder(), OsTimings::policy()).unwrap_err();
        assert_eq!(err, Unexpressible::OsTimings);
        assert!(err.to_string().contains("write `timeout`"), "{err}");
    }

    #[test]
    fn a_run_time_policy_is_set_on_reqwest_s_socket() {
        let configured = configure(reqwest::Client::builder(), api_from_config()).unwrap();
        assert_eq!(
            kernel_after_get(configured.into_builder()),
            api_from_config_kernel()
        );
    }

    #[test]
    fn a_keepalive_setter_called_after_configure_cannot_undo_the_policy() {
        // What a bare builder allowed: `.tcp_keepalive(None)` after the mapping left
        // SO_KEEPALIVE on with reqwest's own interval and count beside the policy's.
        let configured = configure(reqwest::Client::builder(), Api::policy())
            .unwrap()
            .with(|builder| builder.tcp_keepalive(None).timeout(Duration::from_secs(5)));
        assert_eq!(kernel_after_get(configured.into_builder()), api_kernel());
    }

    #[test]
    fn reqwest_connects_anyway_when_the_kernel_refuses_an_option() {
        // Why configure() checks everything it can first: reqwest (through hyper-util)
        // only logs a refusal, and the connection goes on without that option.
        let (builder, _) = configured::<Api>();
        let k = support::with_tcp_option_refused(libc::TCP_KEEPCNT, libc::EPERM, || {
            kernel_after_get(builder)
        });
        assert!(k.keepalive);
        assert_eq!(k.cnt, support::defaults().cnt);
    }
}
