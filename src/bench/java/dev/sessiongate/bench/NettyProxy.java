package dev.sessiongate.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.URI;
import java.util.ArrayDeque;

/**
 * A ceiling of gateway mode on another stack: a bare HTTP/1.1 keep-alive reverse proxy on Netty
 * (which Lettuce already brings), no authentication. Each event loop keeps its own pool of idle
 * upstream connections (no lock: a client connection and the upstream connections it borrows run
 * on one loop); the request is aggregated (small bodies, as nginx buffers them), the response
 * streamed part by part.
 *
 * <p>{@code java -cp ... dev.sessiongate.bench.NettyProxy PORT UPSTREAM_BASE_URL [THREADS [epoll]]}: on the
 * JDK's NIO selector, or with {@code epoll} on Netty's native Linux transport.
 */
public final class NettyProxy {
    private static final AttributeKey<Channel> CLIENT = AttributeKey.valueOf("client");
    private static final AttributeKey<Boolean> CLIENT_KEEP_ALIVE = AttributeKey.valueOf("clientKeepAlive");
    private static final AttributeKey<Boolean> UPSTREAM_KEEP_ALIVE = AttributeKey.valueOf("upstreamKeepAlive");
    /** Idle upstream connections of the current event loop. */
    private static final FastThreadLocal<ArrayDeque<Channel>> IDLE = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    private final String host;
    private final int port;
    private final String authority;
    private final String basePath;
    private final Bootstrap upstream;

    private NettyProxy(URI base, EventLoopGroup group, Class<? extends SocketChannel> channel) {
        host = base.getHost();
        port = base.getPort() < 0 ? 80 : base.getPort();
        authority = base.getRawAuthority();
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        upstream = new Bootstrap().group(group).channel(channel)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new UpstreamHandler());
                    }
                });
    }

    public static void main(String[] args) throws Exception {
        int listen = Integer.parseInt(args[0]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        boolean epoll = args.length > 3 && "epoll".equals(args[3]);
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends SocketChannel> client = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends ServerChannel> listener = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, io);
        NettyProxy proxy = new NettyProxy(URI.create(args[1]), group, client);
        Channel server = new ServerBootstrap().group(group).channel(listener)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                proxy.new ClientHandler());
                    }
                })
                .bind("127.0.0.1", listen).sync().channel();
        System.out.println("event=listening port=" + listen + " upstream=" + args[1] + " threads=" + threads + " transport=" + (epoll ? "epoll" : "nio"));
        server.closeFuture().sync();
    }

    /** A client's request: to a pooled upstream connection of this loop, or a new one. */
    private final class ClientHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        ClientHandler() {
            super(false); // the request is released by the upstream write
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            Channel client = ctx.channel();
            client.attr(CLIENT_KEEP_ALIVE).set(HttpUtil.isKeepAlive(request));
            request.setUri(basePath + request.uri());
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
            request.headers().set(HttpHeaderNames.HOST, authority);
            request.headers().remove(HttpHeaderNames.CONNECTION); // keep-alive to the upstream
            ArrayDeque<Channel> idle = IDLE.get();
            Channel pooled;
            while ((pooled = idle.pollLast()) != null) {
                if (pooled.isActive()) {
                    send(pooled, client, request);
                    return;
                }
            }
            upstream.clone(client.eventLoop()).connect(host, port).addListener((ChannelFutureListener) connected -> {
                if (connected.isSuccess()) {
                    send(connected.channel(), client, request);
                } else {
                    request.release();
                    client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            });
        }

        private void send(Channel upstreamChannel, Channel client, FullHttpRequest request) {
            upstreamChannel.attr(CLIENT).set(client);
            upstreamChannel.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The upstream's answer, part by part to the client; the connection back to the pool at its end. */
    private static final class UpstreamHandler extends SimpleChannelInboundHandler<HttpObject> {
        UpstreamHandler() {
            super(false); // each part is released by the client write
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject part) {
            Channel upstreamChannel = ctx.channel();
            Channel client = upstreamChannel.attr(CLIENT).get();
            boolean keepAlive = Boolean.TRUE.equals(client.attr(CLIENT_KEEP_ALIVE).get());
            if (part instanceof HttpResponse response) {
                upstreamChannel.attr(UPSTREAM_KEEP_ALIVE).set(HttpUtil.isKeepAlive(response));
                HttpUtil.setKeepAlive(response, keepAlive);
            }
            if (part instanceof LastHttpContent) {
                upstreamChannel.attr(CLIENT).set(null);
                if (Boolean.TRUE.equals(upstreamChannel.attr(UPSTREAM_KEEP_ALIVE).get())) {
                    IDLE.get().addLast(upstreamChannel);
                } else {
                    upstreamChannel.close();
                }
                client.writeAndFlush(part).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                        : ChannelFutureListener.CLOSE);
            } else if (part instanceof HttpContent) {
                client.writeAndFlush(part); // streamed as it comes
            } else {
                client.write(part); // the headers go with the first part of the body
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel().attr(CLIENT).getAndSet(null);
            if (client != null) {
                client.close(); // cut off mid-answer
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
