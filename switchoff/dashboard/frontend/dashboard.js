// The dashboard's charts (Apache ECharts, SVG renderer) from the JSON each section carries, in Vietnamese
// number format (1.234,5), and the child units' table sorted by a click on a column's title.
// The figures are the table view's under each chart: without JavaScript, the tables are the page.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import "../../maps/frontend/map.js";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const lang = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
const fmt = (v) => (v === null || v === undefined ? "–" : number.format(v));
const palette = ["#1d5fa7", "#d9822b", "#2e8540", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b7950b"];

function option(data, width) {
  const horizontal = data.kind === "hbar";
  // A phone's narrow chart keeps room for the bars: long step names are cut to 40 % of the width.
  const labels = horizontal ? { width: Math.round(width * 0.4), overflow: "truncate" } : { hideOverlap: true };
  const categoryAxis = { type: "category", data: data.categories, axisLabel: labels };
  const valueAxis = { type: "value", axisLabel: { formatter: fmt } };
  return {
    color: palette,
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: fmt },
    legend: data.series.length > 1 ? { bottom: 0, type: "scroll" } : undefined,
    grid: { left: 8, right: 24, top: 16, bottom: data.series.length > 1 ? 40 : 8, containLabel: true },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series: data.series.map((s) => ({
      name: s.name,
      type: data.kind === "line" ? "line" : "bar",
      data: s.data,
      connectNulls: true,
      // The coordinator's targets: a dashed line through the target days.
      lineStyle: s.dashed ? { type: "dashed" } : undefined,
      label: horizontal ? { show: true, position: "right", formatter: (p) => fmt(p.value) } : undefined,
    })),
  };
}

// Communication: one grid per unit of count, stacked, each with its own value axis named by its unit, so
// that forms counted in different units (broadcasts, articles, sessions) never share a scale.
const PANEL = 150;

function panelsOption(data) {
  const grids = data.panels.map((p, i) => ({ left: 8, right: 24, top: 28 + i * (PANEL + 36), height: PANEL, containLabel: true }));
  return {
    color: palette,
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: fmt },
    legend: { bottom: 0, type: "scroll" },
    grid: grids,
    xAxis: data.panels.map((_, i) => ({ type: "category", gridIndex: i, data: data.categories, axisLabel: { hideOverlap: true } })),
    yAxis: data.panels.map((p, i) => ({
      type: "value",
      gridIndex: i,
      name: p.unit,
      nameTextStyle: { align: "left" },
      axisLabel: { formatter: fmt },
    })),
    series: data.panels.flatMap((p, i) =>
      p.series.map((s) => ({
        name: `${s.name} (${p.unit})`,
        type: "line",
        data: s.data,
        connectNulls: true,
        xAxisIndex: i,
        yAxisIndex: i,
      })),
    ),
  };
}

function draw() {
  for (const el of document.querySelectorAll("[data-chart]")) {
    const script = document.getElementById(el.dataset.chart);
    if (!script) continue;
    const data = JSON.parse(script.textContent);
    const rows = data.kind === "hbar" ? data.categories.length : 0;
    const panels = data.kind === "panels" ? data.panels.length : 0;
    el.style.height = rows ? `${Math.max(160, rows * 36)}px` : panels ? `${panels * (PANEL + 36) + 48}px` : "260px";
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(panels ? panelsOption(data) : option(data, el.clientWidth));
    new ResizeObserver(() => chart.resize()).observe(el);
  }
}

function sortable(table) {
  const heads = table.querySelectorAll("thead th[data-sort]");
  heads.forEach((th, column) => {
    th.tabIndex = 0;
    th.setAttribute("role", "button");
    const sort = () => {
      const down = th.getAttribute("aria-sort") !== "descending";
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", down ? "descending" : "ascending");
      const body = table.tBodies[0];
      const rows = [...body.rows];
      const key = (row) => {
        const cell = row.cells[column];
        return th.dataset.sort === "num" ? parseFloat(cell.dataset.value) : cell.textContent.trim();
      };
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const order = typeof x === "number" ? x - y : x.localeCompare(y, "vi");
        return down ? -order : order;
      });
      rows.forEach((row) => body.appendChild(row));
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
}

// The child units' small trend lines (visits per week), drawn from one blob of figures for the whole table;
// each line's figures are its title and label, for a screen reader and a mouse over it.
function sparks() {
  const script = document.getElementById("children-sparks");
  if (!script) return;
  const data = JSON.parse(script.textContent);
  const ns = "http://www.w3.org/2000/svg";
  const width = 80, height = 20;
  for (const cell of document.querySelectorAll("td[data-spark]")) {
    const values = data.units[cell.dataset.spark];
    if (!values) continue;
    const peak = Math.max(1, ...values);
    const step = (width - 4) / Math.max(values.length - 1, 1);
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    const label = values.map((v, i) => `${data.weeks[i]}: ${fmt(v)}`).join(" · ");
    svg.setAttribute("aria-label", label);
    const title = document.createElementNS(ns, "title");
    title.textContent = label;
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", palette[0]);
    line.setAttribute("stroke-width", "1.5");
    line.setAttribute("points", values.map((v, i) => `${(2 + step * i).toFixed(1)},${(height - 2 - (height - 4) * v / peak).toFixed(1)}`).join(" "));
    svg.append(title, line);
    cell.append(svg);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  draw();
  sparks();
  document.querySelectorAll("table.sortable").forEach(sortable);
});
