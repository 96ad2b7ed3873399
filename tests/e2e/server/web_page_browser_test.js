// The web page at / in headless Chromium (Debian's chromium driven by
// playwright-core): starts `entropix serve` on 127.0.0.1 on a free port,
// sends a prompt, waits for the coloured answer and the entropy-varentropy
// scatter, hovers a token (tooltip: entropy, varentropy, action,
// alternatives), toggles the colouring (legend), runs compare mode (two
// columns) and a vote (its traces and the chosen one), and saves screenshots
// in OUT_DIR. The first failed check ends the run with exit code 1.
//
//   node web_page_browser_test.js ENTROPIX MODEL_GGUF OUT_DIR [PROMPT [MAX_TOKENS]]
"use strict";
const { spawn } = require("child_process");
const path = require("path");
const { chromium } = require("playwright-core");

const [binary, model, outDir, prompt = "Once upon a time", maxTokens = "24"] = process.argv.slice(2);
const T = 30000;  // ms: the longest wait for one step

function check(cond, what) {
  if (!cond) throw new Error("FAILED: " + what);
  console.log("ok: " + what);
}

// Starts the server; resolves with its process and port once /health is 200.
function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ["serve", "-m", model, "--port", "0", "-t", "1", "-c", "512"],
                       {stdio: ["ignore", "ignore", "pipe"]});
    let err = "";
    proc.on("exit", code => reject(new Error(`the server exited (${code}): ${err}`)));
    proc.stderr.on("data", async d => {
      err += d;
      const m = err.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (!m || proc.port) return;
      proc.port = +m[1];
      for (let i = 0; i < 200; ++i) {
        try {
          if ((await fetch(`http://127.0.0.1:${proc.port}/health`)).status === 200) return resolve(proc);
        } catch (e) { /* not listening yet */ }
        await new Promise(r => setTimeout(r, 50));
      }
      reject(new Error("the server did not become ready"));
    });
  });
}

async function send(page, panes) {
  await page.fill("#prompt", prompt);
  await page.click("#send");
  // Every pane has ended (its finish note) or failed (an error note).
  await page.waitForFunction(n => {
    const p = document.querySelectorAll(".pane");
    return p.length === n && [...p].every(e => /finish: |error|not supported/.test(e.textContent));
  }, panes, {timeout: T});
}

async function main() {
  const server = await startServer();
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({executablePath: "/usr/bin/chromium", args: ["--no-sandbox"]});
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 720}});
    const errors = [];
    page.on("pageerror", e => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.fill("#max", maxTokens);

    // One answer, coloured by state.
    await send(page, 1);
    const tokens = await page.$$eval(".pane .tok", s => s.map(e => e.style.background));
    check(tokens.length > 0, `the answer arrives as ${tokens.length} token spans`);
    check(tokens.every(b => b && b !== "rgb(238, 238, 238)"), "every token is coloured by its state");
    const points = await page.$$eval("#scatter circle", c => c.length);
    check(points === tokens.length, `the scatter has a point per token (${points})`);
    check(await page.$$eval("#scatter line", l => l.length) === 5, "the scatter has the profile's 5 threshold lines");

    await page.hover(".pane .tok >> nth=0");
    const tip = await page.textContent("#tip");
    check(await page.isVisible("#tip"), "hovering a token shows the tooltip");
    for (const word of ["entropy", "varentropy", "attn entropy", "action", "alternatives:"]) {
      check(tip.includes(word), `the tooltip shows ${word}`);
    }

    await page.selectOption("#colour", "entropy");
    check((await page.textContent("#legend")).includes("bits"), "colour by entropy: the legend is in bits");
    const hsl = await page.$eval(".pane .tok", e => e.style.background);
    check(hsl.startsWith("rgb(") && hsl !== tokens[0], "colour by entropy recolours the tokens");
    await page.selectOption("#colour", "state");
    check((await page.textContent("#legend")).includes("exploring"), "colour by state: the legend names the states");

    // Compare mode: greedy beside entropix.
    await page.check("#compare");
    await send(page, 2);
    const titles = await page.$$eval(".pane h3", h => h.map(e => e.textContent));
    check(titles.length === 2 && titles[0].startsWith("greedy") && titles[1].startsWith("entropix"),
          `compare mode: two columns (${titles.map(t => t.split(":")[0])})`);
    check(await page.$$eval(".pane", p => p.every(e => e.querySelector(".tok"))), "both columns have an answer");
    await page.screenshot({path: path.join(outDir, "web_page_compare.png")});

    // A vote: the chosen answer, the traces and the table.
    await page.uncheck("#compare");
    await page.selectOption("#sampler", "vote");
    await send(page, 1);
    const traces = await page.$$eval(".vote tr.trace", r => r.length);
    check(traces >= 1, `vote: the traces are listed (${traces})`);
    check(await page.$$eval(".vote tr.chosen", r => r.length) === 1, "vote: one chosen trace is marked");
    check(await page.$$eval(".pane .tok", s => s.length) > 0, "vote: the chosen answer's tokens are shown");
    await page.hover(".pane .tok >> nth=0");
    check((await page.textContent("#tip")).includes("decoded by trace"), "vote: the tooltip names the trace");
    await page.screenshot({path: path.join(outDir, "web_page_vote.png"), fullPage: true});

    check(errors.length === 0, `no script errors on the page (${errors.join("; ")})`);
  } finally {
    await browser.close();
    server.removeAllListeners("exit");
    server.kill("SIGTERM");
  }
  console.log("web page browser test: PASS");
}

main().catch(e => { console.error(e.message || e); process.exit(1); });
