/* Statistics charts (cms/statistics.py, cms/templates/cms/statistics/_chart.html).

   Each chart container (`[data-chart="<id>"]`) names a json_script block holding what to draw:
   {kind: "bar" | "hbar" | "line" | "bar-line", title, labels: [...], colours: [...],
    series: [{name, unit: "money" | "hours" | "count" | "decimal", data: ["123.45", ...]}]}.
   Money and hours travel as decimal text and are read here only to be drawn; the table under the
   chart and the CSV keep the exact figures.

   Content-Security-Policy (no inline script or style): ECharts' canvas renderer styles its elements
   through the DOM (allowed); tooltips are given as DOM nodes built here with textContent and
   classes, never as HTML strings (ECharts' own tooltip markup carries style attributes, which the
   policy refuses). Charts follow their container's width (ResizeObserver), down to 375 px. */
(function () {
  "use strict";

  var echarts = window.echarts;
  var containers = document.querySelectorAll("[data-chart]");
  if (!echarts || !containers.length) {
    return;
  }

  var lang = document.documentElement.lang || "zh-Hans";
  var isChinese = lang.toLowerCase().indexOf("zh") === 0;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var PALETTE = ["#1f5fa8", "#e08a00", "#2e9e4a", "#8e44ad", "#b3261e", "#00838f"];
  var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
  var formats = {
    money: new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    hours: new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }),
    decimal: new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }),
    count: new Intl.NumberFormat(lang, { maximumFractionDigits: 0 })
  };

  function toNumber(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }

  function full(value, unit) {
    return (formats[unit] || formats.decimal).format(value);
  }

  function axisLabel(unit) {
    return function (value) {
      return unit === "count" || unit === "decimal" ? formats.decimal.format(value) : compact.format(value);
    };
  }

  function narrow(el) {
    return el.clientWidth < 560;
  }

  /* The tooltip: the row's label, then one line per series (a coloured key, its name and value). */
  function tooltipFor(spec) {
    var units = {};
    spec.series.forEach(function (series) {
      units[series.name] = series.unit;
    });
    return function (params) {
      var items = Array.isArray(params) ? params : [params];
      var box = document.createElement("div");
      var title = document.createElement("div");
      title.className = "chart-tip__title";
      title.textContent = items.length ? items[0].name : "";
      box.appendChild(title);
      items.forEach(function (item) {
        var line = document.createElement("div");
        line.className = "chart-tip__line";
        var key = document.createElement("span");
        key.className = "chart-tip__key";
        key.style.backgroundColor = typeof item.color === "string" ? item.color : PALETTE[0];
        var text = document.createElement("span");
        var value = Array.isArray(item.value) ? item.value[1] : item.value;
        text.textContent = item.seriesName + (isChinese ? "：" : ": ") + full(value, units[item.seriesName]);
        line.appendChild(key);
        line.appendChild(text);
        box.appendChild(line);
      });
      return box;
    };
  }

  function seriesData(spec, series) {
    return series.data.map(function (value, index) {
      var point = { value: toNumber(value) };
      if (spec.colours && spec.colours[index]) {
        point.itemStyle = { color: spec.colours[index] };
      }
      return point;
    });
  }

  function valueAxis(unit, extra) {
    var axis = { type: "value", axisLabel: { formatter: axisLabel(unit), hideOverlap: true } };
    if (unit === "count") {
      axis.minInterval = 1;
    }
    return Object.assign(axis, extra || {});
  }

  function optionFor(spec, el) {
    var small = narrow(el);
    var horizontal = spec.kind === "hbar";
    var several = spec.series.length > 1;
    var categoryAxis = {
      type: "category",
      data: spec.labels,
      axisTick: { alignWithLabel: true },
      axisLabel: horizontal
        ? { width: small ? 84 : 160, overflow: "truncate" }
        : { hideOverlap: true, rotate: small && spec.labels.length > 4 ? 45 : 0 }
    };
    var option = {
      animation: !reduceMotion,
      color: PALETTE,
      textStyle: { fontFamily: "inherit" },
      aria: { enabled: true, label: { enabled: false }, decal: { show: several } },
      grid: { left: 8, right: small ? 12 : 24, top: several ? 40 : 16, bottom: 8 },
      legend: { show: several, top: 0, type: "scroll" },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: spec.kind === "line" ? "line" : "shadow" },
        confine: true,
        className: "chart-tip",
        formatter: tooltipFor(spec)
      }
    };
    if (spec.kind === "bar-line") {
      option.xAxis = categoryAxis;
      option.yAxis = [
        valueAxis(spec.series[0].unit, { name: small ? "" : spec.series[0].name, nameTextStyle: { align: "left" } }),
        valueAxis(spec.series[1].unit, { name: small ? "" : spec.series[1].name, nameTextStyle: { align: "right" } })
      ];
      option.grid.top = small ? 40 : 64;
      option.series = [
        { type: "bar", name: spec.series[0].name, data: seriesData(spec, spec.series[0]), barMaxWidth: 36 },
        {
          type: "line",
          name: spec.series[1].name,
          yAxisIndex: 1,
          data: seriesData(spec, spec.series[1]),
          symbolSize: 8
        }
      ];
      return option;
    }
    // One series: its name (with the unit) heads the value axis, as the legend is not shown.
    var values = valueAxis(
      spec.series[0].unit,
      several || horizontal ? {} : { name: spec.series[0].name, nameTextStyle: { align: "left" } }
    );
    if (!several && !horizontal) {
      option.grid.top = 36;
    }
    option.xAxis = horizontal ? values : categoryAxis;
    option.yAxis = horizontal ? Object.assign(categoryAxis, { inverse: true }) : values;
    option.series = spec.series.map(function (series) {
      var drawn = { name: series.name, data: seriesData(spec, series) };
      if (spec.kind === "line") {
        drawn.type = "line";
        drawn.symbolSize = 8;
        drawn.areaStyle = { opacity: 0.12 };
      } else {
        drawn.type = "bar";
        drawn.barMaxWidth = horizontal ? 22 : 40;
      }
      return drawn;
    });
    return option;
  }

  function heightFor(spec) {
    if (spec.kind !== "hbar") {
      return null;
    }
    // Horizontal bars: room for every row's label and bars (each series a bar per row).
    var perRow = 18 * spec.series.length + 14;
    return Math.max(220, spec.labels.length * perRow + 70);
  }

  var drawn = [];
  Array.prototype.forEach.call(containers, function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    el.hidden = false;
    var height = heightFor(spec);
    if (height) {
      el.style.height = height + "px";
    }
    var chart = echarts.init(el, null, { renderer: "canvas", locale: isChinese ? "ZH" : "EN" });
    chart.setOption(optionFor(spec, el));
    el.setAttribute("data-chart-drawn", "true");
    drawn.push({ el: el, chart: chart, spec: spec, small: narrow(el) });
  });

  function resize(entry) {
    entry.chart.resize();
    var small = narrow(entry.el);
    if (small !== entry.small) {
      // Across the narrow/wide boundary the labels and the grid change: draw the option again.
      entry.small = small;
      entry.chart.setOption(optionFor(entry.spec, entry.el), { notMerge: true });
    }
  }

  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (observed) {
        drawn.forEach(function (entry) {
          if (entry.el === observed.target) {
            resize(entry);
          }
        });
      });
    });
    drawn.forEach(function (entry) {
      observer.observe(entry.el);
    });
  } else {
    window.addEventListener("resize", function () {
      drawn.forEach(resize);
    });
  }
})();
