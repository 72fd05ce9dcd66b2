package dev.cwb.registry;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * TLS that is set up only when a connection first needs it.
 *
 * <p>{@code HttpClient.newBuilder().build()} asks for {@link SSLContext#getDefault()} at once, and the
 * default context reads and parses the whole trust store ({@code cacerts}, ~150 certificates) and
 * loads the JSSE provider: about a tenth of a second, spent even when every request goes to a
 * classroom registry over plain HTTP. A client for a plain-HTTP registry is therefore built with this
 * context instead: it turns into the JDK's default context the first time an {@code https} address is
 * reached (a redirect to a storage host, a token realm), so TLS works exactly as before when it is
 * used and costs nothing when it is not.
 *
 * <p>The client must also be given {@link #PARAMETERS}, or it would ask this context for its defaults
 * at once. They name the protocols the JDK enables for clients (TLS 1.3 and 1.2: the ones HTTP/2
 * requires, RFC 9113 §9.2); everything else (cipher suites, named groups) stays the JDK's default.
 */
final class DeferredTls {
    static final SSLParameters PARAMETERS = new SSLParameters(null, new String[] {"TLSv1.3", "TLSv1.2"});

    private DeferredTls() {
    }

    static SSLContext context() {
        return new SSLContext(new Spi(), null, "TLS") {
        };
    }

    /** Every operation goes to the JDK's default context, fetched on first use. */
    private static final class Spi extends SSLContextSpi {
        private volatile SSLContext real;

        private SSLContext real() {
            SSLContext r = real;
            if (r == null) {
                try {
                    r = SSLContext.getDefault();
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("this Java has no TLS implementation", e);
                }
                real = r;
            }
            return r;
        }

        @Override
        protected void engineInit(javax.net.ssl.KeyManager[] km, javax.net.ssl.TrustManager[] tm, SecureRandom random)
                throws KeyManagementException {
            throw new KeyManagementException("the default TLS context is already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return real().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return real().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return real().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return real().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return real().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return real().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return real().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return real().getSupportedSSLParameters();
        }
    }
}
