SELECT json_object('a', 1, 'b', json_array(1,2,'x')), json_extract('{"a":[1,2,{"b":null}]}', '$.a[2].b');
SELECT key, value FROM json_each('[1,"two",3.5,null]');
SELECT printf('%.*f|%-10s|%x', 3, 3.14159, 'hi', 255), hex(randomblob(4)) IS NOT NULL, quote(x'00ff'), unhex('414243');
