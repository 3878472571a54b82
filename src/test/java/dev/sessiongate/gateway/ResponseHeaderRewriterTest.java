package dev.sessiongate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.SetCookieParser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 14 item 2: every line of {@code src/test/resources/gateway/rewrite-corpus.txt}, a
 * {@code Location}, {@code Content-Location} or {@code Set-Cookie} header of an upstream, must come
 * out as the line expects and hold the properties written at the top of the file.
 */
class ResponseHeaderRewriterTest {
    private static final Path CORPUS = Path.of("src/test/resources/gateway/rewrite-corpus.txt");
    private static final SetCookieParser COOKIES = SetCookieParser.newInstance();

    @TestFactory
    List<DynamicTest> everyCorpusLineHoldsItsExpectationAndTheProperties() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        Block block = null;
        List<String> lines = Files.readAllLines(CORPUS, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("@ ")) {
                block = Block.parse(line);
                continue;
            }
            if (block == null) {
                throw new IllegalStateException(CORPUS + ":" + (i + 1) + ": a case before the first @ line");
            }
            Block setup = block;
            int number = i + 1;
            tests.add(DynamicTest.dynamicTest("line " + number + ": " + line, () -> check(setup, number, line)));
        }
        assertThat(tests).hasSizeGreaterThan(80);
        return tests;
    }

    private static void check(Block block, int number, String line) {
        int arrow = line.lastIndexOf(" => ");
        int colon = line.indexOf(": ");
        String header = line.substring(0, colon);
        String value = line.substring(colon + 2, arrow);
        String expected = line.substring(arrow + 4);
        String answer = header.equals("Set-Cookie")
                ? block.rewriter.setCookie(value, block.client)
                : block.rewriter.location(value, block.upstreamRequest, block.client);

        assertThat(answer).as("line %d", number).isEqualTo(expected.equals("unchanged") ? value : expected);
        if (header.equals("Set-Cookie")) {
            cookieProperties(block, value, answer);
        } else {
            locationProperties(block, value, answer);
        }
    }

    private static void locationProperties(Block block, String value, String answer) {
        assertThat(answer).isNotEmpty().doesNotContain("\r", "\n");
        if (answer.equals(value)) {
            return;
        }
        String base = block.client.origin() + block.client.contextPath();
        assertThat(answer).startsWith(base);
        assertThat(answer.length() == base.length() || "/?#".indexOf(answer.charAt(base.length())) >= 0)
                .as("%s continues the context path %s with /, ? or #", answer, base).isTrue();
        URI uri = URI.create(answer);
        for (String segment : uri.getRawPath().split("/", -1)) {
            assertThat(segment.toLowerCase(Locale.ROOT).replace("%2e", ".")).isNotIn(".", "..");
        }
        assertThat(block.rewriter.location(answer, block.upstreamRequest, block.client)).as("rewritten again").isEqualTo(answer);
    }

    private static void cookieProperties(Block block, String value, String answer) {
        int pair = value.indexOf(';');
        assertThat(answer).startsWith(pair < 0 ? value : value.substring(0, pair));
        HttpCookie before = COOKIES.parse(value);
        HttpCookie after = COOKIES.parse(answer);
        assertThat(after == null).isEqualTo(before == null);
        if (before == null) {
            return;
        }
        assertThat(after.getName()).isEqualTo(before.getName());
        assertThat(after.getValue()).isEqualTo(before.getValue());
        assertThat(after.getMaxAge()).isEqualTo(before.getMaxAge());
        assertThat(after.isSecure()).isEqualTo(before.isSecure());
        assertThat(after.isHttpOnly()).isEqualTo(before.isHttpOnly());
        if (after.getPath() != null && !after.getPath().equals(before.getPath())) {
            String context = block.client.contextPath();
            assertThat(after.getPath().equals(context.isEmpty() ? "/" : context) || after.getPath().startsWith(context + "/"))
                    .as("path %s is the context path %s or below it", after.getPath(), context).isTrue();
        }
        if (after.getDomain() != null) {
            String domain = after.getDomain().toLowerCase(Locale.ROOT);
            domain = domain.startsWith(".") ? domain.substring(1) : domain;
            boolean fitsClient = domainMatches(block.client.host(), domain);
            boolean namesUpstream = domainMatches(block.upstreamHost, domain);
            assertThat(fitsClient || !namesUpstream).as("Domain %s names the upstream, not the client", domain).isTrue();
        }
    }

    /** RFC 6265 section 5.1.3: the host itself, or a host name (not an IP address) below the domain. */
    private static boolean domainMatches(String host, String domain) {
        boolean ipAddress = host.startsWith("[") || host.matches("[0-9.]+");
        return host.equals(domain) || !ipAddress && host.endsWith("." + domain);
    }

    /** An {@code @ upstream=… context=… client=… request=…} line. */
    private record Block(ResponseHeaderRewriter rewriter, ResponseHeaderRewriter.ClientBase client,
                         URI upstreamRequest, String upstreamHost) {
        static Block parse(String line) {
            String upstream = null;
            String context = null;
            String client = null;
            String request = null;
            for (String field : line.substring(2).trim().split(" ")) {
                int eq = field.indexOf('=');
                String name = field.substring(0, eq);
                String value = field.substring(eq + 1);
                switch (name) {
                    case "upstream" -> upstream = value;
                    case "context" -> context = value;
                    case "client" -> client = value;
                    case "request" -> request = value;
                    default -> throw new IllegalArgumentException("unknown field " + name + " in " + line);
                }
            }
            URI upstreamUrl = URI.create(upstream);
            URI clientOrigin = URI.create(client);
            return new Block(new ResponseHeaderRewriter(upstreamUrl),
                    new ResponseHeaderRewriter.ClientBase(client, clientOrigin.getHost().toLowerCase(Locale.ROOT), context),
                    URI.create(upstreamUrl.getScheme() + "://" + upstreamUrl.getRawAuthority() + request),
                    upstreamUrl.getHost().toLowerCase(Locale.ROOT));
        }
    }
}
