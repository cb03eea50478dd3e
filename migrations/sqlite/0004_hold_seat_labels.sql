-- A hold's seat lines carry what the buyer sees (section, its order on the map, row,
-- number), as order lines already do: a hold is answered, and turned into an order,
-- without joining the venue's seats.
ALTER TABLE hold_seats ADD COLUMN section TEXT NOT NULL DEFAULT '';
ALTER TABLE hold_seats ADD COLUMN section_order BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hold_seats ADD COLUMN row_label TEXT NOT NULL DEFAULT '';
ALTER TABLE hold_seats ADD COLUMN number BIGINT NOT NULL DEFAULT 0;

UPDATE hold_seats SET
    section = (SELECT sc.name FROM seats st JOIN venue_sections sc ON sc.id = st.section_id WHERE st.id = hold_seats.seat_id),
    section_order = (SELECT sc.sort_order FROM seats st JOIN venue_sections sc ON sc.id = st.section_id WHERE st.id = hold_seats.seat_id),
    row_label = (SELECT st.row_label FROM seats st WHERE st.id = hold_seats.seat_id),
    number = (SELECT st.number FROM seats st WHERE st.id = hold_seats.seat_id);
