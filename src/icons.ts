import { LabIcon } from '@jupyterlab/ui-components';

// A drawer of stacked model cards; `jp-icon3` makes it follow the theme's icon colour.
const catalogSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 3h16a1 1 0 0 1 1 1v4H3V4a1 1 0 0 1 1-1zm5 2v1h6V5H9z"/>
    <path d="M3 9.5h18v5H3zm6 1.5v1h6v-1H9z"/>
    <path d="M3 16h18v4a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-4zm6 1.5v1h6v-1H9z"/>
  </g>
</svg>`;

export const catalogIcon = new LabIcon({
  name: 'model-catalog-ext:catalog',
  svgstr: catalogSvg
});
