// A visitor on a website that embeds the tracking snippet: arrives from a
// newsletter link, reads the pricing page, books a demo through a form, and
// sees the offer a trigger chose. Prints what the browser saw as JSON.
//
//   node snippet.mjs <site base URL>
import { launch } from './browser.mjs';

const site = process.argv[2];
if (!site) throw new Error('usage: node snippet.mjs <site base URL>');

const browser = await launch();
try {
  const page = await browser.newPage();
  const visit = async (path) => {
    await page.goto(site + path);
    await page.waitForFunction(() => window.leadscore && window.leadscore.version);
    // Waits for this page's call to be stored (the offer is asked after it).
    await page.evaluate(() => window.leadscore.offer());
  };
  await visit('/landing.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch');
  const anonymousId = await page.evaluate(() => window.leadscore.anonymousId());
  await visit('/pricing.html');
  await visit('/contact.html');
  await page.fill('input[name=name]', 'Trần Thị Lan');
  await page.fill('input[name=email]', 'Lan.Tran@Acme.vn');
  await page.fill('input[name=company]', 'Acme Việt Nam');
  await page.fill('input[name=job_title]', 'Giám đốc kinh doanh');
  await page.fill('input[name=password]', 'never-sent');
  await Promise.all([page.waitForURL('**/thanks.html'), page.click('button[type=submit]')]);
  await page.waitForFunction(() => window.leadscore && window.leadscore.version);
  // The trigger fires as the form's calls are scored; a visitor who is
  // quicker than the writer sees the offer on a refresh.
  let offer = null;
  for (let i = 0; i < 40 && !offer; i++) {
    offer = await page.evaluate(() => window.leadscore.refreshOffer());
    if (!offer) await page.waitForTimeout(250);
  }
  const shown = await page.locator('[data-offer="cta.demo"]').isVisible();
  const hidden = await page.locator('[data-offer="cta.ebook"]').isHidden();
  const cookie = (await page.context().cookies()).find((c) => c.name === 'ls_aid');
  console.log(JSON.stringify({
    anonymousId,
    cookie: cookie && { value: cookie.value, sameSite: cookie.sameSite, expires: cookie.expires },
    userId: await page.evaluate(() => window.leadscore.userId()),
    offer,
    shown,
    hidden,
  }));
} finally {
  await browser.close();
}
