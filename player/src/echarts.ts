/**
 * The parts of Apache ECharts the analytics charts use, and nothing more: its full build would
 * add ~1 MB to the player. Loaded by chart.ts on demand, so pages without charts (the wall, replay)
 * never download it.
 */
import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TitleComponent, ToolboxComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, AriaComponent, GridComponent, LegendComponent, TitleComponent, ToolboxComponent, TooltipComponent, CanvasRenderer]);

export { init };
