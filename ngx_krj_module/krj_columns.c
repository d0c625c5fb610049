
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_columns.h"


/*
 * Labels as the original dashboard shows them; descriptions from its
 * tooltips, in words that need no signal date of their own ("the week
 * ending the signal date": each category's date is in its answers); the
 * dashboard's tooltips as dashboard/MARKUP.md and its oracle have them,
 * with the category's date in place of {date}.
 */

static const krj_column_t  krj_columns[] = {

    { "ticker", "Ticker",
      "Stock or ETF symbol; FX pairs carry a c: prefix (c:EURUSD)",
      "Stock or ETF symbol. FX pairs carry a c: prefix in the data "
      "(c:EURUSD), not shown here",
      KRJ_COLUMN_TEXT },

    { "c", "Fri Close",
      "Closing price on last trading day of the week ending the signal "
      "date",
      "Closing price on last trading day of the week ending {date}",
      KRJ_COLUMN_PRICE },

    { "weekly_low", "Wk Low",
      "Lowest trade price during the week ending the signal date",
      "Lowest trade price during the week ending {date}",
      KRJ_COLUMN_PRICE },

    { "25DMA", "25 DMA",
      "25-day simple moving average of the closing prices",
      "25-day simple moving average of closes",
      KRJ_COLUMN_PRICE },

    { "25DMA_shifted", "25DMA -3w",
      "The 25-day moving average as of 15 trading days earlier, used for "
      "stop-loss levels",
      "25 DMA as of 15 trading days ago, used for stop-loss levels",
      KRJ_COLUMN_PRICE },

    { "long_signal_value", "Long Val",
      "(weekly_low - 25DMA) / 25DMA, a fraction: Long at 0.03 or more",
      "(Wk Low - 25 DMA) / 25 DMA",
      KRJ_COLUMN_PERCENT_1 },

    { "short_signal_value", "Short Val",
      "(c - 25DMA) / 25DMA, a fraction: Short at -0.03 or less",
      "(Fri Close - 25 DMA) / 25 DMA",
      KRJ_COLUMN_PERCENT_1 },

    { "signal", "Signal",
      "The signal for the week ending the signal date: Long if weekly_low "
      ">= 25DMA x 1.03, Short if c <= 25DMA x 0.97, else Neutral",
      "Long if Wk Low >= 25 DMA x 1.03; Short if Fri Close <= 25 DMA "
      "x 0.97; else Neutral",
      KRJ_COLUMN_TEXT },

    { "signal_status_prior_week", "Prev Wk",
      "The signal of the week before",
      "The signal of the prior week",
      KRJ_COLUMN_TEXT },

    { "vol_ratio", "Vol Ratio",
      "The ticker's average daily range divided by SPY's (SPY is 1.0)",
      "Ticker ADR / SPY ADR (SPY = 100%)",
      KRJ_COLUMN_PERCENT_0 },

    { "25DMA_range_bps", "ADR (25d)",
      "25-day average of (high - low) / close, a fraction (not basis "
      "points, despite the name)",
      "25-day average of (high - low) / close",
      KRJ_COLUMN_PERCENT_2 },

    { "25D_ADV_Shares_MM", "ADV (MM)",
      "25-day average daily volume, in millions of shares",
      "25-day average volume in millions of shares",
      KRJ_COLUMN_MILLIONS },

    { "25D_ADV_nortional_B", "ADV ($B)",
      "25-day average daily notional value, in billions of dollars (the "
      "column name's spelling is the schema's)",
      "25-day average notional in billions of dollars",
      KRJ_COLUMN_BILLIONS },

    { "avg_trade_size", "Avg Trade",
      "Average trade size: the volume divided by the number of trades",
      "Average trade size: volume / number of trades",
      KRJ_COLUMN_INTEGER },

    { NULL, NULL, NULL, NULL, 0 }
};


/* a scan of 14 names, at publication (krj-batch), never per request */

const krj_column_t *
krj_column_find(const char *name, size_t len)
{
    const krj_column_t  *col;

    for (col = krj_columns; col->name; col++) {
        if (strlen(col->name) == len && memcmp(col->name, name, len) == 0) {
            return col;
        }
    }

    return NULL;
}


const krj_column_t *
krj_column_get(unsigned i)
{
    if (i >= sizeof(krj_columns) / sizeof(krj_columns[0]) - 1) {
        return NULL;
    }

    return &krj_columns[i];
}
