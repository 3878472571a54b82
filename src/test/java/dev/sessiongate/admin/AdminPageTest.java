package dev.sessiongate.admin;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.Required;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * SPEC §5: the admin page in real headless Chromium (Debian's chromium and chromium-driver,
 * which .ci/run installs): sign in with the admin token, see a session that a request made, see
 * a new one appear without a reload, revoke it, see it gone. Saves target/admin-page.png.
 */
class AdminPageTest {
    private static final String TOKEN = "admin-token-0123456789abcdef";
    private static final Path CHROMIUM = Path.of(Required.path("chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(Required.path("chromedriver", "/usr/bin/chromedriver"));

    @Test
    void signInSeeSessionsLiveAndRevokeOne() throws Exception {
        requireChromium();
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString())
                .set("admin.token", TOKEN)
                .build();
        WebDriver browser = null;
        try (GateServer server = GateServer.start(gate)) {
            String sha1 = server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/orders")
                    .then().statusCode(200).extract().jsonPath().getString("sessionId");

            browser = chromium();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
            browser.get(server.url("/admin/"));
            browser.findElement(By.id("token")).sendKeys(TOKEN);
            browser.findElement(By.id("signin-button")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-id='" + sha1 + "']")));
            assertThat(browser.findElement(By.cssSelector("tr[data-id='" + sha1 + "']")).getText()).contains("sha1", "127.0.0.1");

            // A session made after sign-in appears without a reload.
            String apr1 = server.request().header("Authorization", basic("apr1-openssl", "apr1-openssl-pw"))
                    .post("/api/orders").then().statusCode(200).extract().jsonPath().getString("sessionId");
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-id='" + apr1 + "']")));

            // The server searches: any part of the user or the client IP.
            browser.findElement(By.id("search-text")).sendKeys("APR1");
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#sessions tbody tr"), 1));
            browser.findElement(By.id("search-text")).clear();
            browser.findElement(By.id("search-text")).sendKeys("127.0.0");
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#sessions tbody tr"), 2));
            browser.findElement(By.id("search-text")).clear();
            wait.until(ExpectedConditions.textToBe(By.id("range"), "1–2 of 2"));

            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.createDirectories(Path.of("target"));
            Files.copy(shot.toPath(), Path.of("target/admin-page.png"), StandardCopyOption.REPLACE_EXISTING);

            browser.findElement(By.cssSelector("tr[data-id='" + sha1 + "'] button.revoke")).click();
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr[data-id='" + sha1 + "']"), 0));
            server.request().header("Authorization", "Bearer " + TOKEN).get("/admin/sessions/" + sha1).then().statusCode(404);
        } finally {
            if (browser != null) {
                browser.quit();
            }
        }
    }

    @Test
    void theListComesAPageAtATime() throws Exception {
        requireChromium();
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString())
                .set("admin.token", TOKEN)
                .set("sessions.max-per-user", "100")
                .build();
        WebDriver browser = null;
        try (GateServer server = GateServer.start(gate)) {
            for (int i = 0; i < 53; i++) { // a session per path
                server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/page/" + i)
                        .then().statusCode(200);
            }
            browser = chromium();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
            browser.get(server.url("/admin/"));
            browser.findElement(By.id("token")).sendKeys(TOKEN);
            browser.findElement(By.id("signin-button")).click();
            wait.until(ExpectedConditions.textToBe(By.id("range"), "1–50 of 53"));
            assertThat(browser.findElements(By.cssSelector("#sessions tbody tr"))).hasSize(50);
            assertThat(browser.findElement(By.id("previous")).isEnabled()).isFalse();

            browser.findElement(By.id("next")).click();
            wait.until(ExpectedConditions.textToBe(By.id("range"), "51–53 of 53"));
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#sessions tbody tr"), 3));
            assertThat(browser.findElement(By.id("next")).isEnabled()).isFalse();
            browser.findElement(By.id("previous")).click();
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#sessions tbody tr"), 50));
        } finally {
            if (browser != null) {
                browser.quit();
            }
        }
    }

    /** Debian's chromium and chromium-driver, which .ci/run installs: else skipped, or failed under CI=true. */
    private static void requireChromium() {
        Required.program(Files.isExecutable(CHROMIUM), "Chromium (" + CHROMIUM + ")");
        Required.program(Files.isExecutable(CHROMEDRIVER), "ChromeDriver (" + CHROMEDRIVER + ")");
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,700");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
