// The site's live explorers: the shipped generators run in the reader's browser (ONNX Runtime Web, bundled in
// the site), so a page can draw new digits without a kernel. Each element
//   <div class="ganlib-explorer" data-model="pretrained-conditional" data-parts="picker sliders" data-digit="7">
// becomes an explorer: "picker" draws ten new samples of the chosen digit, "sliders" nudges the first six noise
// numbers of one sample, "morph" walks from digit data-a to digit data-b. For the unconditional generator, a
// digit is asked for through its latent code (models.json says which code draws which digit).
// For tests, window.ganlibExplorers holds each explorer's `ready` promise and every draw's inputs and outputs.
(function () {
  "use strict";
  if (window.ganlibExplorers) return;  // a page with two explorers loads this file twice
  window.ganlibExplorers = [];
  const here = document.currentScript.src.replace(/[^/]*$/, "");  // .../_static/ganlib/
  const SLIDERS = 6, SAMPLES = 10, STEPS = 10;

  let runtime = null;
  function loadRuntime() {
    runtime = runtime || new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = here + "ort.wasm.min.js";
      tag.onload = () => {
        ort.env.wasm.wasmPaths = here;
        ort.env.wasm.numThreads = 1;  // threads need cross-origin isolation, which a plain file server lacks
        resolve(ort);
      };
      tag.onerror = () => reject(new Error("could not load " + tag.src));
      document.head.appendChild(tag);
    });
    return runtime;
  }

  let manifest = null;
  const sessions = {};
  async function model(name) {
    manifest = manifest || fetch(here + "models.json").then((r) => r.json());
    const info = (await manifest).models[name];
    sessions[name] = sessions[name] || loadRuntime().then((o) => o.InferenceSession.create(here + info.file));
    return { info, session: await sessions[name] };
  }

  // Seeded normal noise: mulberry32, then Box-Muller.
  function normals(seed, n) {
    let a = seed >>> 0;
    const uniform = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    }
    return out;
  }

  function el(tag, attrs, parent) {
    const node = Object.assign(document.createElement(tag), attrs || {});
    if (parent) parent.appendChild(node);
    return node;
  }

  function canvas(parent, scale) {
    const c = el("canvas", { width: 28, height: 28 }, parent);
    c.style.cssText = `width:${28 * scale}px;height:${28 * scale}px;image-rendering:pixelated;margin:2px;` +
                      "background:#000";
    return c;
  }

  function paint(target, pixels) {  // pixels: 784 values in [-1, 1], the generator's tanh output
    const ctx = target.getContext("2d"), image = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round((Math.min(1, Math.max(-1, pixels[i])) + 1) * 127.5);
      image.data.set([v, v, v, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }

  async function explorer(root, record) {
    const { info, session } = await model(root.dataset.model);
    const [noiseInput, labelInput] = info.inputs;
    const labelSize = labelInput ? labelInput.size : 0;
    // The label (or code) vector that asks for a digit, mixed in proportion t with another for the morph.
    const slot = (digit) => (info.code_digits ? info.code_digits.indexOf(digit) : digit);
    function label(digitA, digitB, t) {
      const v = new Float32Array(labelSize);
      if (labelSize) { v[slot(digitA)] += 1 - t; v[slot(digitB)] += t; }
      return v;
    }
    async function draw(noises, labels) {  // noises: Float32Array per sample; returns one image per sample
      const n = noises.length, z = new Float32Array(n * noiseInput.size);
      noises.forEach((x, i) => z.set(x, i * noiseInput.size));
      const feeds = { [noiseInput.name]: new ort.Tensor("float32", z, [n, noiseInput.size]) };
      if (labelInput) {
        const y = new Float32Array(n * labelSize);
        labels.forEach((x, i) => y.set(x, i * labelSize));
        feeds[labelInput.name] = new ort.Tensor("float32", y, [n, labelSize]);
      }
      const out = (await session.run(feeds))[info.output].data;
      const images = noises.map((_, i) => out.slice(i * 784, (i + 1) * 784));
      record.last = { model: root.dataset.model, noise: noises.map((x) => Array.from(x)),
                      labels: labels.map((x) => Array.from(x)), images: images.map((x) => Array.from(x)) };
      record.drawn.push(record.last);
      return images;
    }

    root.textContent = "";
    root.style.cssText = "border:1px solid #ccc;border-radius:6px;padding:10px;margin:10px 0;font-size:14px";
    const parts = (root.dataset.parts || "").split(/\s+/);
    let digit = Number(root.dataset.digit || 7), fresh = 1;
    const redraws = [];

    if (parts.includes("picker")) {
      const bar = el("div", { textContent: "Pick a digit: " }, root);
      const row = el("div", {}, root);
      const cells = Array.from({ length: SAMPLES }, () => canvas(row, 2.2));
      const buttons = [];
      for (let d = 0; d < 10; d++) {
        const b = el("button", { textContent: String(d), className: "ganlib-digit" }, bar);
        b.style.cssText = "margin:0 2px;min-width:2em";
        b.onclick = () => { digit = d; redraws.forEach((f) => f()); };
        buttons.push(b);
      }
      redraws.push(async () => {
        buttons.forEach((b, d) => { b.style.fontWeight = d === digit ? "bold" : "normal"; });
        const noises = cells.map(() => normals(1000 * fresh++ + 17, noiseInput.size));
        const images = await draw(noises, cells.map(() => label(digit, digit, 0)));
        images.forEach((x, i) => paint(cells[i], x));
      });
    }
    if (parts.includes("sliders")) {
      const box = el("div", { textContent: "Nudge the noise: " }, root);
      box.style.marginTop = "8px";
      const seed = el("input", { type: "number", value: 7, min: 0, max: 999, className: "ganlib-seed" }, box);
      seed.style.width = "5em";
      const row = el("div", {}, root);
      row.style.display = "flex";
      const big = canvas(row, 6);
      const column = el("div", {}, row);
      const sliders = Array.from({ length: SLIDERS }, (_, i) => {
        const line = el("label", { textContent: `z[${i}] + ` }, column);
        line.style.display = "block";
        const s = el("input", { type: "range", min: -3, max: 3, step: 0.1, value: 0, className: "ganlib-slider" },
                     line);
        s.oninput = () => redrawOne();
        return s;
      });
      async function redrawOne() {
        const z = normals(Number(seed.value) + 1, noiseInput.size);
        sliders.forEach((s, i) => { z[i] += Number(s.value); });
        paint(big, (await draw([z], [label(digit, digit, 0)]))[0]);
      }
      seed.onchange = redrawOne;
      redraws.push(redrawOne);
    }
    if (parts.includes("morph")) {
      const a = Number(root.dataset.a || 1), b = Number(root.dataset.b || 7);
      el("div", { textContent: `Morph a ${a} into a ${b}: label and noise walk together` }, root);
      const row = el("div", {}, root);
      const cells = Array.from({ length: STEPS }, () => canvas(row, 2.2));
      const again = el("button", { textContent: "another walk", className: "ganlib-morph" }, root);
      let walk = 0;
      const morph = async () => {
        const za = normals(4 + 100 * walk, noiseInput.size), zb = normals(9 + 100 * walk, noiseInput.size);
        const ts = cells.map((_, i) => i / (STEPS - 1));
        const noises = ts.map((t) => za.map((v, k) => (1 - t) * v + t * zb[k]));
        const images = await draw(noises, ts.map((t) => label(a, b, t)));
        images.forEach((x, i) => paint(cells[i], x));
      };
      again.onclick = () => { walk += 1; morph(); };
      redraws.push(morph);
    }
    for (const f of redraws) await f();
  }

  function start() {
    document.querySelectorAll(".ganlib-explorer").forEach((root) => {
      const record = { model: root.dataset.model, parts: root.dataset.parts, drawn: [], last: null };
      root.textContent = "Loading the generator into your browser…";
      record.ready = explorer(root, record).catch((error) => {
        root.textContent = "The explorer could not start here: " + error.message +
                           " (serve the site over http, e.g. python -m http.server).";
        throw error;
      });
      window.ganlibExplorers.push(record);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
