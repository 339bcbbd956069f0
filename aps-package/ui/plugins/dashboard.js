// UX1 home dashboard tile (the advanced form, one tile per subscription in MSS): disk use against
// the limit, mailboxes, mobility, "Open OX as administrator". Each instance keeps what it shows in
// its own widgets: module variables would be shared by the tiles of all subscriptions.
define(['dojo/_base/declare', 'aps/nav/ViewPlugin', 'aps/Tile', 'aps/Output', 'aps/Button', 'aps/xhr', '../lib/contexts',
  '../lib/format', '../lib/i18n', '../lib/messages'],
function (declare, ViewPlugin, Tile, Output, Button, xhr, contexts, format, _, messages) {
  'use strict';
  var FIELDS = [['disk', _('Disk space')], ['mailboxes', _('Mailboxes')], ['mobility', _('Mobility add-ons')]];

  return declare(ViewPlugin, {
    init: function (mediator) {
      var plugin = this;
      var tile = new Tile({ id: this.genId('dash_tile'), title: _('OX App Suite') });
      FIELDS.forEach(function (f) { tile.addChild(new Output({ id: plugin.genId('dash_' + f[0]), label: f[1] })); });
      // The context this tile shows, for its button (kept in the tile, not in the module).
      tile.addChild(new Output({ id: this.genId('dash_ctx'), visible: false }));
      tile.addChild(new Button({ id: this.genId('dash_open'), label: _('Open OX as administrator'), onClick: messages.loginClick(xhr, function () {
        return plugin.byId('dash_ctx').get('value');
      }, 'adminLogin', _('OX could not be opened: ')) }));
      mediator.getWidget = function () { return tile; };
    },
    onContext: function (context) {
      var ctx = context.vars.context;
      var summary = format.contextSummary(ctx);
      var plugin = this;
      FIELDS.forEach(function (f) { plugin.byId('dash_' + f[0]).set('value', summary[f[0]]); });
      this.byId('dash_ctx').set('value', ctx.aps.id);
      this.byId('dash_tile').set('title', _('OX App Suite') + ': ' + contexts.label(ctx));
      this.byId('dash_open').set('disabled', !summary.canOpenOx);
    },
  });
});
