// End-to-end test of the dashboard in headless Chromium: log in, hot leads,
// a lead, feedback, every page, Vietnamese, the script-injection case, and
// phone widths. Saves a screenshot of every page.
//
// Usage: node dashboard.mjs BASE_URL SCREENSHOT_DIR
// Credentials come from LEADSCORE_E2E_EMAIL and LEADSCORE_E2E_PASSWORD.
import { launch } from "./browser.mjs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, shots = "docs/screenshots"] = process.argv.slice(2);
const email = process.env.LEADSCORE_E2E_EMAIL;
const password = process.env.LEADSCORE_E2E_PASSWORD;
if (!base || !email || !password) {
  console.error("usage: LEADSCORE_E2E_EMAIL=.. LEADSCORE_E2E_PASSWORD=.. node dashboard.mjs BASE_URL [DIR]");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
  console.log("ok - " + what);
}

const browser = await launch();

async function newPage(viewport) {
  const context = await browser.newContext({ viewport, locale: "en-US" });
  const page = await context.newPage();
  // The dashboard must work offline: any request off the server fails the test.
  const origin = new URL(base).origin;
  const outside = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.on("dialog", async (d) => {
    await d.dismiss();
    throw new Error("a dialog opened (script injection?): " + d.message());
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page, outside, errors };
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, name + ".png"), fullPage: true });
}

try {
  const { context, page, outside, errors } = await newPage({ width: 1280, height: 900 });

  // Log in.
  await page.goto(base + "/leads");
  check(page.url().includes("/login"), "an anonymous visit goes to the login page");
  await shot(page, "login");
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", "not the password");
  await page.click("button[type=submit]");
  check((await page.textContent(".error")).includes("Wrong email or password"), "a wrong password is refused");
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/leads$/);

  // Hot leads.
  const rows = await page.locator("#leads tbody tr").count();
  check(rows >= 5, "hot leads lists the seeded leads (" + rows + ")");
  check(await page.locator("#leads svg.spark").count() > 0, "score-trend sparklines are drawn");
  await shot(page, "hot-leads");

  // The script-injection case: the name shows as text and runs nothing.
  await page.goto(base + "/leads?q=script");
  const evil = await page.locator("#leads a.lead-link").first().textContent();
  check(evil === "<script>alert(1)</script>", "a lead named <script> shows as text");
  check(await page.evaluate(() => document.querySelectorAll("#leads script").length) === 0, "no script element from data");
  await shot(page, "script-injection");

  // Open the hottest lead in one click.
  await page.goto(base + "/leads");
  const name = (await page.locator("#leads a.lead-link").first().textContent()).trim();
  await page.locator("#leads a.lead-link").first().click();
  await page.waitForSelector("#lead-name");
  check((await page.textContent("#lead-name")).includes(name), "one click opens the lead");
  check(await page.locator("#explanation tbody tr").count() > 0, "every point is explained");
  check(await page.locator("#timeline tbody tr").count() > 0, "the event timeline is shown");
  await page.waitForSelector(".uplot", { timeout: 5000 });
  check(true, "the score history chart is drawn by the vendored chart library");
  await shot(page, "lead");

  // Record feedback.
  await page.selectOption("#feedback-form select[name=kind]", "contact");
  await page.check("#feedback-form input[name=reached]");
  await page.fill("#feedback-form textarea[name=note]", "Called, interested in a demo");
  await page.click("#feedback-form button[type=submit]");
  await page.waitForSelector(".notice");
  check((await page.textContent(".notice")).includes("Feedback recorded"), "feedback is recorded");
  check((await page.textContent("#feedback-list")).includes("Called, interested in a demo"), "the feedback is listed");
  const leadUrl = page.url().replace(/\?.*$/, "");

  // BANT answers: the questions come from the active model's [bant] rules.
  await page.selectOption("#feedback-form select[name=kind]", "bant");
  await page.fill("#feedback-form input[name='answer.budget']", "12000");
  await page.fill("#feedback-form input[name='answer.seniority']", "vp");
  check(await page.locator("#feedback-form datalist option[value='c-level']").count() === 1, "the authority question suggests the model's values");
  await page.click("#feedback-form button[type=submit]");
  await page.waitForSelector(".notice");
  check(await page.locator("#bant .pill.good").count() >= 2, "the BANT answers count towards the lead's BANT");

  // Preview a new version's impact: the page follows the job until it ends.
  await page.goto(base + "/model");
  await page.locator("#versions button.secondary").first().click();
  await page.waitForURL(/done=preview/);
  await page.waitForFunction(() => document.body.textContent.includes("Leads compared"), null, { timeout: 20000 });
  check(true, "a version's impact is previewed as a job the page follows");

  // Start a backtest of the active version against another one; the page
  // follows the job and then shows both versions week by week.
  await page.goto(base + "/model");
  const options = await page.locator("#backtest-form select[name=compare] option").evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
  const active = await page.locator("#backtest-form select[name=model]").inputValue();
  await page.selectOption("#backtest-form select[name=compare]", options.find((v) => v !== active));
  await page.click("#backtest-form button[type=submit]");
  await page.waitForURL(/done=backtest/);
  check((await page.textContent(".notice")).includes("Backtest started"), "a backtest starts from the model page");
  // The page refreshes itself while the job runs, until the result shows.
  await page.waitForSelector(".replay table", { timeout: 30000 });
  check(await page.locator(".replay h4").count() === 2, "the backtest shows both versions");
  await page.locator("#backtests").scrollIntoViewIfNeeded();
  await shot(page, "model-backtest");

  // Every other page.
  for (const [path, file, selector] of [
    ["/accounts", "accounts", "#accounts"],
    ["/funnel", "funnel", "#stages"],
    ["/matrix", "matrix", "#matrix"],
    ["/model", "model", "#versions"],
    ["/deliveries", "deliveries", "h1"],
    ["/users", "users", "#users"],
  ]) {
    await page.goto(base + path);
    await page.waitForSelector(selector);
    await page.waitForTimeout(200);
    await shot(page, file);
    check(true, path + " renders");
    if (path === "/matrix") {
      check(!(await page.textContent("main")).includes("Leads: 0"), "the matrix counts the seeded leads");
    }
  }
  await page.goto(base + "/accounts");
  await page.locator("#accounts a").first().click();
  await page.waitForSelector("h1");
  await shot(page, "account");
  check(page.url().includes("/accounts/"), "an account opens with its contacts");
  await page.goto(base + "/matrix");
  await page.locator("#matrix td a").first().click();
  check(page.url().includes("/leads?cell=A1"), "a matrix cell opens its leads");

  // Vietnamese, remembered across pages.
  await page.goto(base + "/leads");
  await page.click("#lang-vi");
  await page.waitForSelector("html[lang=vi]");
  check((await page.textContent("nav.main")).includes("Khách hàng tiềm năng"), "the dashboard switches to Vietnamese");
  await shot(page, "hot-leads-vi");
  await page.goto(leadUrl);
  check(await page.getAttribute("html", "lang") === "vi", "the language is remembered");
  const score = await page.textContent(".big");
  check(/^\d{1,3}(\.\d{3})*,\d$/.test(score.trim()), "scores use Vietnamese decimals (" + score.trim() + ")");
  check((await page.textContent("#feedback")).includes("Phản hồi"), "the feedback form is in Vietnamese");
  await shot(page, "lead-vi");
  await page.goto(base + "/funnel");
  await shot(page, "funnel-vi");
  await page.click("#lang-en");
  await page.waitForSelector("html[lang=en]");

  // Phone width.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
  const small = await phone.newPage();
  await small.goto(base + "/leads");
  await shot(small, "hot-leads-phone");
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, "hot leads fit a phone's width (tables scroll inside)");
  await small.goto(leadUrl);
  await shot(small, "lead-phone");

  check(outside.length === 0, "no request left the server: " + outside.join(", "));
  check(errors.length === 0, "no script errors: " + errors.join("; "));

  // Log out.
  await page.click(".who button");
  await page.waitForURL(/\/login/);
  check(true, "logging out ends the session");
  await browser.close();
  console.log("all checks passed");
} catch (e) {
  console.error(e);
  await browser.close();
  process.exit(1);
}
