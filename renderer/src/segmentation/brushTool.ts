// A thin cornerstone tool: mouse presses, drags and releases on the viewport become stroke calls (world mm).
import { getEnabledElement, type Types } from '@cornerstonejs/core';
import { BaseTool, Enums as ToolEnums, type Types as ToolTypes } from '@cornerstonejs/tools';

/** Where a stroke goes; the segmentation state implements it (the voxels are painted there, not here). */
export interface StrokeSink {
  /** A press on the image: returns false when nothing can be drawn now (no segment, locked): the press goes on to other tools. */
  begin(worldPos: Types.Point3, viewport: Types.IViewport): boolean;
  /** The pointer moved while pressed. */
  extend(worldPos: Types.Point3, viewport: Types.IViewport): void;
  /** Released: the stroke is one edit. */
  end(): void;
  /** The pointer moved over the image (canvas px), or left it (null): for the brush cursor. */
  hover(canvasPos: Types.Point2 | null, viewport: Types.IViewport | null): void;
}

export interface BrushToolConfiguration {
  sink: StrokeSink | null;
}

type InteractionEvent = ToolTypes.EventTypes.InteractionEventType;

/** One tool for brush and eraser: which of the two is the state's choice, the tool only forwards the pointer. */
export class VesaliusBrushTool extends BaseTool {
  static override toolName = 'VesaliusBrush';
  private drawingOn: HTMLDivElement | null = null;

  constructor(toolProps: ToolTypes.PublicToolProps = {}, defaultToolProps: ToolTypes.ToolProps = { supportedInteractionTypes: ['Mouse'], configuration: { sink: null } }) {
    super(toolProps, defaultToolProps);
  }

  private get sink(): StrokeSink | null {
    return (this.configuration as BrushToolConfiguration).sink ?? null;
  }

  preMouseDownCallback = (evt: InteractionEvent): boolean => {
    const { element, currentPoints } = evt.detail;
    const viewport = viewportOf(evt);
    if (!viewport || !this.sink?.begin(currentPoints.world, viewport)) return false;
    this.drawingOn = element;
    element.addEventListener(ToolEnums.Events.MOUSE_DRAG, this.onDrag as EventListener);
    element.addEventListener(ToolEnums.Events.MOUSE_UP, this.onEnd as EventListener);
    element.addEventListener(ToolEnums.Events.MOUSE_CLICK, this.onEnd as EventListener);
    return true;
  };

  mouseMoveCallback = (evt: InteractionEvent): boolean => {
    this.sink?.hover(evt.detail.currentPoints.canvas, viewportOf(evt));
    return false;
  };

  private readonly onDrag = (evt: InteractionEvent): void => {
    const viewport = viewportOf(evt);
    if (viewport) {
      this.sink?.extend(evt.detail.currentPoints.world, viewport);
      this.sink?.hover(evt.detail.currentPoints.canvas, viewport);
    }
  };

  private readonly onEnd = (): void => {
    const element = this.drawingOn;
    if (!element) return;
    this.drawingOn = null;
    element.removeEventListener(ToolEnums.Events.MOUSE_DRAG, this.onDrag as EventListener);
    element.removeEventListener(ToolEnums.Events.MOUSE_UP, this.onEnd as EventListener);
    element.removeEventListener(ToolEnums.Events.MOUSE_CLICK, this.onEnd as EventListener);
    this.sink?.end();
  };

  onSetToolDisabled = (): void => {
    this.onEnd();
    this.sink?.hover(null, null);
  };

  onSetToolPassive = (): void => {
    this.onEnd();
    this.sink?.hover(null, null);
  };
}

function viewportOf(evt: InteractionEvent): Types.IViewport | null {
  return (getEnabledElement(evt.detail.element)?.viewport as Types.IViewport | undefined) ?? null;
}
