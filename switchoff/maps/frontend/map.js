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

function option(data, figure, empty) {
  const values = data.units.map((u) => u[figure.key]).filter((v) => v !== null && v !== undefined);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const unit = figure.unit ? ` ${figure.unit}` : "";
  return {
    animation: false,
    tooltip: {
      trigger: "item",
      formatter: (p) =>
        `${escape(p.data ? p.data.label : p.name)}<br>${escape(figure.label)}: ` +
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
        label: { show: false, formatter: (p) => (p.data ? p.data.label : "") },
        data: data.units.map((u) => ({ name: String(u.id), label: u.name, value: u[figure.key], href: u.href })),
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
  echarts.registerMap("switchoff-units", await response.json());
  const chart = echarts.init(el, null, { renderer: "svg" });
  const select = document.getElementById("map-figure");
  const figureOf = () => data.figures.find((f) => f.key === select.value) || data.figures[0];
  const paint = () => chart.setOption(option(data, figureOf(), el.dataset.empty), true);
  paint();
  select.addEventListener("change", paint);
  chart.on("click", (p) => {
    if (p.data && p.data.href) window.location.href = p.data.href;
  });
  new ResizeObserver(() => chart.resize()).observe(el);
  el.dataset.drawn = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-map]")) drawMap(el);
});
