//! A byte-for-byte TCP relay in front of tiny_http, used only when the
//! lost-response fault is on.
//!
//! tiny_http keeps a client connection open after a request is dropped
//! unanswered (and answers 500 if the request itself is dropped), so it
//! cannot make a client see a connection close with no response byte. The
//! relay owns the client socket: to lose a response the emulator shuts that
//! socket down, keyed by the relay's upstream address, which is the remote
//! address tiny_http reports for the request.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Client sockets by the relay's upstream address.
#[derive(Debug, Default)]
pub(crate) struct ConnectionTable {
    conns: Mutex<HashMap<SocketAddr, TcpStream>>,
}

impl ConnectionTable {
    /// Closes the client connection behind `upstream_peer` without writing
    /// anything; true when one was found.
    pub(crate) fn cut(&self, upstream_peer: SocketAddr) -> bool {
        let stream = self
            .conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&upstream_peer);
        match stream {
            Some(s) => {
                let _ = s.shutdown(Shutdown::Both);
                true
            }
            None => false,
        }
    }

    fn insert(&self, key: SocketAddr, stream: TcpStream) {
        self.conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, stream);
    }

    fn remove(&self, key: &SocketAddr) {
        self.conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

/// The running relay.
#[derive(Debug)]
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    pub(crate) table: Arc<ConnectionTable>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on `listen` and relays every connection to `upstream`.
    pub(crate) fn start(listen: &str, upstream: SocketAddr) -> io::Result<Proxy> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let table = Arc::new(ConnectionTable::default());
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let table = Arc::clone(&table);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("emulator-relay".into())
                .spawn(move || {
                    for client in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(client) = client else { continue };
                        let table = Arc::clone(&table);
                        let _ = std::thread::Builder::new()
                            .name("emulator-relay-conn".into())
                            .spawn(move || relay(client, upstream, &table));
                    }
                })?
        };
        Ok(Proxy {
            addr,
            table,
            stop,
            accept: Some(accept),
        })
    }

    /// Stops accepting connections.
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn relay(client: TcpStream, upstream: SocketAddr, table: &ConnectionTable) {
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(key), Ok(client_copy), Ok(server_copy)) =
        (server.local_addr(), client.try_clone(), server.try_clone())
    else {
        return;
    };
    table.insert(key, client_copy);
    let upload = std::thread::Builder::new()
        .name("emulator-relay-up".into())
        .spawn({
            let (Ok(mut from), Ok(mut to)) = (client.try_clone(), server.try_clone()) else {
                return;
            };
            move || {
                pump(&mut from, &mut to);
                let _ = to.shutdown(Shutdown::Write);
            }
        });
    let mut from = server_copy;
    let mut to = client;
    pump(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Both);
    table.remove(&key);
    if let Ok(h) = upload {
        let _ = h.join();
    }
}

fn pump(from: &mut TcpStream, to: &mut TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}
