// The dashboard's map: a choropleth of the units below, drawn by Apache ECharts (SVG renderer) from the
// boundaries the administrator imported (fetched from this server: no tile server, no CDN). The figures are
// the table's beside the map (the same rows); a click on a unit goes down to its dashboard as the table does.
import * as echarts from "echarts/core";
import { MapChart } from "echarts/charts";
import { TooltipComponent, VisualMapComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([MapChart, TooltipComponent, VisualMapComponent, SVGRenderer]);

const lang = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
const fmt = (v) => (v === null || v === undefined || Number.isNaN(v) ? "–" : number.format(v));
// The tooltip is HTML: a unit's name (typed by people) is escaped before it goes in.
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const GOOD_HIGH = ["#c0392b", "#f0b429", "#2e8540"];

// Each shape's extent in degrees, and the whole map's: what decides whether a name fits inside its shape.
function extents(geo) {
  const all = [Infinity, Infinity, -Infinity, -Infinity];
  const byName = {};
  for (const f of geo.features) {
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const polygon of polygons) {
      for (const [x, y] of polygon[0]) {
        box[0] = Math.min(box[0], x); box[1] = Math.min(box[1], y);
        box[2] = Math.max(box[2], x); box[3] = Math.max(box[3], y);
      }
    }
    byName[f.properties.name] = box;
    all[0] = Math.min(all[0], box[0]); all[1] = Math.min(all[1], box[1]);
    all[2] = Math.max(all[2], box[2]); all[3] = Math.max(all[3], box[3]);
  }
  return { all, byName };
}

// Whether a unit's name, at the label's size, fits inside its shape as drawn in a chart of width × height
// (the series' box below, ECharts' aspect of 0.75 between a degree of longitude and one of latitude); a
// shape too small for its name shows it on hover, and the table beside the map lists every unit.
const LABEL_PX = 11;
function fits(boxes, name, label, width, height) {
  const box = boxes.byName[name];
  if (!box) return false;
  const [x0, y0, x1, y1] = boxes.all;
  const w = width - 8, h = height - 56;
  const k = Math.min(w / Math.max((x1 - x0) * 0.75, 1e-9), h / Math.max(y1 - y0, 1e-9));
  const shapeW = (box[2] - box[0]) * 0.75 * k, shapeH = (box[3] - box[1]) * k;
  return label.length * LABEL_PX * 0.55 <= shapeW * 0.7 && LABEL_PX * 1.6 <= shapeH * 0.5;
}

function option(data, figure, empty, boxes, width, height) {
  const values = data.units.map((u) => u[figure.key]).filter((v) => v !== null && v !== undefined);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const unit = figure.unit ? ` ${figure.unit}` : "";
  return {
    animation: false,
    tooltip: {
      trigger: "item",
      formatter: (p) =>
        `${escape(p.data ? p.data.text : p.name)}<br>${escape(figure.label)}: ` +
        `<b>${escape(p.data && p.data.value !== null ? fmt(p.data.value) + unit : empty)}</b>`,
    },
    visualMap: {
      type: "continuous",
      min: low,
      max: high === low ? low + 1 : high,
      calculable: false,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      itemWidth: 12,
      itemHeight: 160,
      text: [fmt(high) + unit, fmt(low) + unit],
      formatter: (v) => fmt(v),
      inRange: { color: figure.better === "low" ? [...GOOD_HIGH].reverse() : GOOD_HIGH },
    },
    series: [
      {
        type: "map",
        map: "switchoff-units",
        roam: false,
        // A box on every side: the map keeps its shape and fits the narrower of the width and the height.
        left: 4,
        right: 4,
        top: 8,
        bottom: 48,
        selectedMode: false,
        itemStyle: { areaColor: "#e5e7eb", borderColor: "#ffffff", borderWidth: 1 },
        emphasis: { label: { show: true, fontWeight: "bold" }, itemStyle: { borderColor: "#111827", borderWidth: 1.5 } },
        label: { show: false, fontSize: LABEL_PX, color: "#111827", textBorderColor: "#ffffff", textBorderWidth: 2, formatter: (p) => (p.data ? p.data.text : "") },
        // A data item's "label" is its label's style in ECharts: the unit's name travels as "text".
        data: data.units.map((u) => ({
          name: String(u.id),
          text: u.name,
          value: u[figure.key],
          href: u.href,
          label: { show: fits(boxes, String(u.id), u.name, width, height) },
        })),
      },
    ],
  };
}

async function drawMap(el) {
  const script = document.getElementById(el.dataset.map);
  if (!script) return;
  const data = JSON.parse(script.textContent);
  const response = await fetch(data.geo, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const geo = await response.json();
  const boxes = extents(geo);
  echarts.registerMap("switchoff-units", geo);
  const chart = echarts.init(el, null, { renderer: "svg" });
  const select = document.getElementById("map-figure");
  const figureOf = () => data.figures.find((f) => f.key === select.value) || data.figures[0];
  const paint = () =>
    chart.setOption(option(data, figureOf(), el.dataset.empty, boxes, el.clientWidth, el.clientHeight), true);
  paint();
  select.addEventListener("change", paint);
  chart.on("click", (p) => {
    if (p.data && p.data.href) window.location.href = p.data.href;
  });
  // A new size: which names fit changes with it.
  new ResizeObserver(() => {
    chart.resize();
    paint();
  }).observe(el);
  el.dataset.drawn = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-map]")) drawMap(el);
});
