package io.muster.communicator.internal.tcp;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.Endpoint;
import io.muster.communicator.Transport;
import io.muster.communicator.internal.AbstractConnection;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.EndpointDescriptor;
import io.muster.communicator.internal.Host;
import io.muster.communicator.internal.PendingConnection;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;

/** Sets up TCP connections: the lower rank of the two listens, the higher one dials. */
public final class TcpTransport {
  private TcpTransport() {}

  public static PendingConnection prepare(
      Context context, Endpoint endpoint, int remoteRank, int tag, long nonce) {
    boolean listens = context.rank() < remoteRank;
    ServerSocketChannel server = listens ? TcpLink.listen(endpoint.address()) : null;
    byte[] token = listens ? Context.randomBytes(EndpointDescriptor.TOKEN_BYTES) : null;
    int port =
        server == null
            ? 0
            : ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    EndpointDescriptor local =
        new EndpointDescriptor(
            context.rank(),
            Transport.TCP,
            Host.id(),
            Host.pid(),
            nonce,
            null,
            -1,
            listens ? endpoint.address().getHostAddress() : null,
            port,
            token);
    String what =
        "TCP connect from rank " + context.rank() + " to rank " + remoteRank + " on tag " + tag;
    return new PendingConnection() {
      @Override
      public EndpointDescriptor local() {
        return local;
      }

      @Override
      public AbstractConnection complete(EndpointDescriptor remote) {
        SocketChannel channel;
        if (listens) {
          try {
            channel = TcpLink.accept(server, token, remoteRank, context.timeout(), what);
          } finally {
            TcpLink.close(server);
          }
        } else {
          if (remote.tcpHost() == null) {
            throw new BootstrapException(
                Code.PROTOCOL,
                what + ": rank " + remoteRank + " sent no address to dial",
                List.of(remoteRank));
          }
          channel =
              TcpLink.dial(
                  remote.tcpHost(),
                  remote.tcpPort(),
                  remote.token(),
                  context.rank(),
                  remoteRank,
                  context.timeout(),
                  what);
        }
        return new TcpConnection(context, remoteRank, tag, Context.pairId(local, remote), channel);
      }

      @Override
      public void abandon() {
        TcpLink.close(server);
      }
    };
  }
}
