package dev.sessiongate.testing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tomcat's Manager application through its text interface ({@code /manager/text/}, role
 * {@code manager-script}): deploys, reloads and undeploys contexts and asks for the contexts whose
 * class loader outlived them. Every command must answer {@code OK - ...}, or the test fails with
 * Tomcat's answer.
 */
public final class TomcatManager {
    private final String root;
    private final String user;
    private final String password;

    /** The Manager of the Tomcat at {@code root} ({@code http://127.0.0.1:PORT}), as {@code user}. */
    public TomcatManager(String root, String user, String password) {
        this.root = root;
        this.user = user;
        this.password = password;
    }

    /** Deploys {@code war} at {@code path} with the context configuration {@code contextXml}. */
    public void deploy(String path, Path war, Path contextXml) {
        ok(request().queryParam("path", path).queryParam("war", "file:" + war.toAbsolutePath())
                .queryParam("config", "file:" + contextXml.toAbsolutePath()), "deploy");
    }

    /**
     * Deploys as {@link #deploy} does, and answers the Manager's answer whatever it is: {@code FAIL - ...}
     * for a context that did not start.
     */
    public String tryDeploy(String path, Path war, Path contextXml) {
        return request().queryParam("path", path).queryParam("war", "file:" + war.toAbsolutePath())
                .queryParam("config", "file:" + contextXml.toAbsolutePath())
                .get(root + "/manager/text/deploy").then().statusCode(200).extract().asString();
    }

    /** Stops the context at {@code path} and starts it again with a new class loader. */
    public void reload(String path) {
        ok(request().queryParam("path", path), "reload");
    }

    /** Stops and removes the context at {@code path}. */
    public void undeploy(String path) {
        ok(request().queryParam("path", path), "undeploy");
    }

    /**
     * The paths of the stopped contexts whose class loader a full garbage collection did not free
     * (Tomcat's {@code findleaks}, which runs {@code System.gc()}).
     */
    public List<String> findLeaks() {
        String answer = ok(request().queryParam("statusLine", "true"), "findleaks");
        List<String> leaking = new ArrayList<>();
        for (String line : answer.split("\r?\n")) {
            if (!line.isBlank() && !line.startsWith("OK - ")) {
                leaking.add(line.trim());
            }
        }
        return leaking;
    }

    private RequestSpecification request() {
        return given().auth().preemptive().basic(user, password);
    }

    private String ok(RequestSpecification request, String command) {
        String answer = request.get(root + "/manager/text/" + command).then().statusCode(200).extract().asString();
        assertThat(answer).as("Manager's answer to " + command).startsWith("OK - ");
        return answer;
    }
}
