// The charting library, loaded only when a chart is first shown (a separate chunk in the build):
// Apache ECharts with just the bar chart, its axes, tooltip and legend, drawn on a canvas.
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
